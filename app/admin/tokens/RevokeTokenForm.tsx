'use client';

import { useActionState } from 'react';
import { initialFormState } from '@/components/ui/form-state';
import { revokeToken } from './actions';

export function RevokeTokenForm({ name }: { name: string }) {
  const [state, action, pending] = useActionState(revokeToken, initialFormState);
  return (
    <form
      action={action}
      onSubmit={(e) => {
        if (!window.confirm(`Revoke token ${name}? Anything using it stops working at once.`)) e.preventDefault();
      }}
    >
      <input type="hidden" name="name" value={name} />
      <button type="submit" className="btn danger" disabled={pending}>
        Revoke<span className="sr-only"> {name}</span>
      </button>
      {state.message && !state.ok && (
        <p role="alert" className="field-error">
          {state.message}
        </p>
      )}
    </form>
  );
}
