'use client';

import { useActionState } from 'react';
import { Field } from '@/components/ui/Field';
import { FormMessage } from '@/components/ui/FormMessage';
import { initialFormState, keptValues } from '@/components/ui/form-state';
import { runDrillAction } from './actions';

/** "Run restore drill" (operator): the backup (default: the newest) and an optional point in time. */
export function RunDrillForm({ cluster, labels }: { cluster: string; labels: string[] }) {
  const [state, action, pending] = useActionState(runDrillAction, initialFormState);
  const kept = keptValues(state);
  return (
    <form action={action} key={state.attempt} aria-label="Run restore drill" className="stack">
      <input type="hidden" name="cluster" value={cluster} />
      <Field name="backup" label="Backup" error={state.errors.backup} hint="The newest a restore would use, unless you pick one.">
        {(p) => (
          <select {...p} defaultValue={kept.backup ?? ''}>
            <option value="">newest</option>
            {labels.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field name="targetTime" label="Point in time (optional)" error={state.errors.targetTime} hint="ISO 8601 with an offset, e.g. 2026-12-01T10:15:00Z; empty = the end of the archive.">
        {(p) => <input {...p} type="text" inputMode="text" placeholder="2026-12-01T10:15:00Z" defaultValue={kept.targetTime ?? ''} />}
      </Field>
      <FormMessage state={state} knownFields={['backup', 'targetTime']} />
      <button type="submit" className="btn" disabled={pending}>
        {pending ? 'Queuing…' : 'Run restore drill'}
      </button>
    </form>
  );
}
