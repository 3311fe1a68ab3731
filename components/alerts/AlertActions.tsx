'use client';
import { useActionState } from 'react';
import { FormMessage } from '@/components/ui/FormMessage';
import { initialFormState, type TFormState } from '@/components/ui/form-state';

type TAction = (prev: TFormState, fd: FormData) => Promise<TFormState>;
export type TAlertTarget = { id: string; rule: string; cluster: string | null; context: string | null; member: string | null; silenceable: boolean; acked: boolean };

/** Operator acts on one firing alert: acknowledge it, or silence its rule on its target for a while. */
export function AlertActions({ alert, acknowledge, silence }: { alert: TAlertTarget; acknowledge: TAction; silence: TAction }) {
  const [ackState, ackAction, acking] = useActionState(acknowledge, initialFormState);
  const [silState, silAction, silencing] = useActionState(silence, initialFormState);
  const label = alert.context ?? (alert.member ? `${alert.cluster}/${alert.member}` : alert.cluster) ?? '';
  return (
    <div className="stack">
      {!alert.acked && (
        <form action={ackAction}>
          <input type="hidden" name="id" value={alert.id} />
          <button className="btn" type="submit" disabled={acking}>
            Acknowledge
          </button>
          <FormMessage state={ackState} />
        </form>
      )}
      {alert.silenceable ? (
        <form action={silAction} aria-label={`Silence ${alert.rule} on ${label}`}>
          <input type="hidden" name="rule" value={alert.rule} />
          {alert.context && <input type="hidden" name="context" value={alert.context} />}
          {!alert.context && alert.cluster && <input type="hidden" name="cluster" value={alert.cluster} />}
          {alert.member && <input type="hidden" name="member" value={alert.member} />}
          <label>
            For{' '}
            <select name="hours" defaultValue="1">
              <option value="1">1 hour</option>
              <option value="4">4 hours</option>
              <option value="24">1 day</option>
            </select>
          </label>{' '}
          <label>
            Reason <input name="reason" required minLength={3} placeholder="e.g. planned repair" />
          </label>{' '}
          <button className="btn" type="submit" disabled={silencing}>
            Silence
          </button>
          <FormMessage state={silState} />
        </form>
      ) : (
        <p className="muted">Never silenced.</p>
      )}
    </div>
  );
}
