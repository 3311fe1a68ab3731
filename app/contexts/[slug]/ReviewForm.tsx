'use client';

import { useActionState } from 'react';
import { initialFormState } from '@/components/ui/form-state';
import { reviewProposal } from './actions';

/** Admin: accept the pending proposal, or reject it with a reason (required). */
export function ReviewForm({ slug, version }: { slug: string; version: number }) {
  const [state, action, pending] = useActionState(reviewProposal.bind(null, slug, version), initialFormState);
  return (
    <form action={action} aria-label={`Review version ${version}`}>
      <label>
        Reason <span className="muted small">(required to reject)</span>
        <input name="reason" type="text" maxLength={2000} defaultValue={state.ok ? '' : (state.values?.reason ?? '')} />
      </label>
      {state.errors.reason && <p className="field-error">{state.errors.reason}</p>}
      <p>
        <button type="submit" name="decision" value="accept" className="btn primary" disabled={pending}>
          Accept version {version}
        </button>{' '}
        <button type="submit" name="decision" value="reject" className="btn danger" disabled={pending}>
          Reject
        </button>
      </p>
      {state.message && (
        <p role={state.ok ? 'status' : 'alert'} className={state.ok ? 'notice ok' : 'field-error'}>
          {state.message}
        </p>
      )}
    </form>
  );
}
