'use client';

import Link from 'next/link';
import { useActionState, useEffect, useRef, type ReactNode } from 'react';
import { CheckboxField, Field } from '@/components/ui/Field';
import { FormMessage } from '@/components/ui/FormMessage';
import { initialFormState, type TFormState } from '@/components/ui/form-state';
import {
  CROSS_SITE_REPLICATION,
  CROSS_SITE_STANCE,
  DATA_OWNERSHIP,
  FAILOVER_MODES,
  LOCAL_REPLICATION,
  STORAGE_DURABILITY,
} from '@/lib/registry/declaration-schema';
import { formatBound } from '@/components/lib/format';

type TClassOption = { name: string; boundSeconds: number | null };
type TProps = {
  action: (prev: TFormState, fd: FormData) => Promise<TFormState>;
  initialValues: Record<string, string>;
  baseVersion: number;
  rpoClasses: TClassOption[];
  rtoClasses: TClassOption[];
  findingsByField: Record<string, string[]>;
  cancelHref: string;
  /** a new context: the form also asks for its slug, name and owner team (these teams) */
  newContext?: { teams: string[] };
};

// Every field a form may answer an error for; other error paths are listed in the form message.
const FIELDS = [
  'spec.dataOwnership', 'spec.rpoClass', 'spec.rtoClass', 'spec.crossSite', 'spec.failover',
  'spec.replication.local', 'spec.replication.crossSite', 'spec.acceptedCrossSiteDataLossSeconds',
  'spec.approvalsRequired', 'spec.backup.fullIntervalHours', 'spec.backup.pitr', 'spec.backup.walArchiving',
  'spec.backup.retentionDays', 'spec.backup.drillCadenceDays', 'spec.runbook', 'spec.justification',
  'spec.storage.durability', 'spec.storage.note', 'reason', 'context', 'name', 'team',
] as const;

const classLabel = (c: TClassOption) => `${c.name} (${c.boundSeconds === null ? 'bound unset' : `≤ ${formatBound(c.boundSeconds)}`})`;

export function DeclarationForm(props: TProps) {
  const [state, formAction, pending] = useActionState(props.action, initialFormState);
  const v = state.values ?? props.initialValues;
  const messageRef = useRef<HTMLDivElement>(null);
  // after each answer, move focus (and the viewport) to the message at the top of the form
  useEffect(() => {
    if (state.attempt) messageRef.current?.focus();
  }, [state.attempt]);
  const err = (name: string) => state.errors[name] ?? state.errors[name.replace(/^spec\./, '')];
  // errors of a group ("spec.backup") that has no single field are shown on the group
  const groupErr = (name: string) => state.errors[name];
  const lint = (name: string) =>
    props.findingsByField[name]?.length ? (
      <span className="lint-hint">Current finding: {props.findingsByField[name].join(' · ')}</span>
    ) : undefined;

  const select = (name: string, label: string, options: readonly (string | { value: string; label: string })[], hint?: ReactNode, allowEmpty?: string) => (
    <Field name={name} label={label} error={err(name)} hint={hint ?? lint(name)}>
      {(p) => (
        <select {...p} defaultValue={v[name] ?? ''}>
          {allowEmpty !== undefined ? <option value="">{allowEmpty}</option> : !v[name] && <option value="">— choose —</option>}
          {options.map((o) => {
            const opt = typeof o === 'string' ? { value: o, label: o } : o;
            return (
              <option key={opt.value} value={opt.value}>
                {opt.label}
              </option>
            );
          })}
        </select>
      )}
    </Field>
  );
  const number = (name: string, label: string, hint?: ReactNode, min = 0) => (
    <Field name={name} label={label} error={err(name)} hint={hint ?? lint(name)}>
      {(p) => <input {...p} type="number" inputMode="numeric" min={min} step="any" defaultValue={v[name] ?? ''} />}
    </Field>
  );
  // a class no longer in the catalog stays selectable, so the form can show what is stored
  const classOptions = (list: TClassOption[], current: string | undefined) => [
    ...list.map((c) => ({ value: c.name, label: classLabel(c) })),
    ...(current && !list.some((c) => c.name === current) ? [{ value: current, label: `${current} (not in the catalog)` }] : []),
  ];

  return (
    <form key={state.attempt} action={formAction} className="form decl-form" noValidate aria-describedby="decl-form-message">
      <input type="hidden" name="baseVersion" value={props.baseVersion} />
      <div id="decl-form-message" ref={messageRef} tabIndex={-1}>
        <FormMessage state={state} knownFields={FIELDS} />
      </div>

      {props.newContext && (
        <fieldset>
          <legend>Context</legend>
          <Field name="context" label="Slug" error={err('context')} hint="Lower-case letters, digits and “-”: the context's name in URLs, the API and recovery.yaml.">
            {(p) => <input {...p} type="text" required defaultValue={v.context ?? ''} autoComplete="off" />}
          </Field>
          <Field name="name" label="Name" error={err('name')} hint="A readable name, e.g. “Orders”.">
            {(p) => <input {...p} type="text" required defaultValue={v.name ?? ''} />}
          </Field>
          {select('team', 'Owner team', props.newContext.teams, 'The team whose service owners may propose changes.')}
        </fieldset>
      )}
      <fieldset>
        <legend>Targets</legend>
        <div className="form-grid">
          {select('spec.rpoClass', 'RPO class', classOptions(props.rpoClasses, v['spec.rpoClass']), 'How much committed data may be lost.')}
          {select('spec.rtoClass', 'RTO class', classOptions(props.rtoClasses, v['spec.rtoClass']), 'How fast the context must be back.')}
          {select('spec.crossSite', 'Cross-site stance', CROSS_SITE_STANCE)}
          {select('spec.failover', 'Failover mode', FAILOVER_MODES)}
          {select('spec.approvalsRequired', 'Approvals required', ['1', '2'], 'Distinct people who must approve a gated promotion.')}
          {select('spec.dataOwnership', 'Data ownership', DATA_OWNERSHIP)}
        </div>
      </fieldset>

      <fieldset>
        <legend>Replication and storage</legend>
        {groupErr('spec.replication') && <p className="field-error">{groupErr('spec.replication')}</p>}
        <div className="form-grid">
          {select('spec.replication.local', 'Local replication', LOCAL_REPLICATION)}
          {select('spec.replication.crossSite', 'Cross-site replication', CROSS_SITE_REPLICATION)}
          {number('spec.acceptedCrossSiteDataLossSeconds', 'Accepted cross-site data loss (seconds)', lint('spec.acceptedCrossSiteDataLossSeconds') ?? 'Leave empty if none is accepted. Needed when cross-site replication is async.')}
          {select('spec.storage.durability', 'Storage durability', STORAGE_DURABILITY, lint('spec.storage.durability') ?? lint('spec.storage') ?? 'What the database disks promise.', '(not stated)')}
        </div>
        <Field name="spec.storage.note" label="Storage note" error={err('spec.storage.note')} hint="Optional, e.g. “Ceph RBD, 3 replicas per site”.">
          {(p) => <input {...p} type="text" defaultValue={v['spec.storage.note'] ?? ''} />}
        </Field>
      </fieldset>

      <fieldset>
        <legend>Backup policy</legend>
        {groupErr('spec.backup') && <p className="field-error">{groupErr('spec.backup')}</p>}
        <div className="form-grid">
          {number('spec.backup.fullIntervalHours', 'Full backup interval (hours)')}
          {number('spec.backup.retentionDays', 'Retention (days)')}
          {number('spec.backup.drillCadenceDays', 'Restore-drill cadence (days)', lint('spec.backup.drillCadenceDays') ?? 'Empty or 0 = no drills scheduled (a finding).')}
        </div>
        <div className="row">
          <CheckboxField name="spec.backup.pitr" label="Point-in-time recovery (PITR) required" defaultChecked={v['spec.backup.pitr'] === 'on'} error={err('spec.backup.pitr')} />
          <CheckboxField name="spec.backup.walArchiving" label="WAL archiving enabled" defaultChecked={v['spec.backup.walArchiving'] === 'on'} error={err('spec.backup.walArchiving')} />
        </div>
      </fieldset>

      <fieldset>
        <legend>Runbook and justification</legend>
        <Field name="spec.runbook" label="Promotion runbook" error={err('spec.runbook')} hint={lint('spec.runbook') ?? 'The steps an operator follows to promote, with exact commands.'}>
          {(p) => <textarea {...p} rows={8} className="mono" defaultValue={v['spec.runbook'] ?? ''} />}
        </Field>
        <Field name="spec.justification" label="Justification" error={err('spec.justification')} hint={lint('spec.justification') ?? 'Optional: why a stronger cross-site consistency, or a shared cluster, is accepted.'}>
          {(p) => <textarea {...p} rows={3} defaultValue={v['spec.justification'] ?? ''} />}
        </Field>
      </fieldset>

      <Field name="reason" label="Reason for this change" error={err('reason')} hint="Shown in the history next to this version.">
        {(p) => <textarea {...p} rows={2} defaultValue={v.reason ?? ''} />}
      </Field>

      <div className="row">
        <button type="submit" className="btn primary" disabled={pending}>
          {pending ? 'Saving…' : 'Save new version'}
        </button>
        <Link href={props.cancelHref}>Cancel</Link>
        {state.message && !state.ok && <span className="error small">{state.message}</span>}
        {state.message?.startsWith('Someone saved') && (
          <a href={`${props.cancelHref}/edit`} className="btn">
            Reload the form (discards your input)
          </a>
        )}
      </div>
    </form>
  );
}
