'use client';

import { useActionState, useState } from 'react';
import { Field } from '@/components/ui/Field';
import { FormMessage } from '@/components/ui/FormMessage';
import { initialFormState, keptValues } from '@/components/ui/form-state';
import { createToken, type TCreateTokenState } from './actions';

const ROLES = ['viewer', 'service-owner', 'operator', 'admin'] as const;

export function CreateTokenForm({ teams }: { teams: string[] }) {
  const [state, action, pending] = useActionState<TCreateTokenState, FormData>(createToken, initialFormState);
  const v = keptValues(state);
  return (
    <>
      {state.token && <TokenOnce name={state.tokenName ?? ''} token={state.token} />}
      <form key={state.attempt} action={action} className="form" aria-labelledby="create-token-h">
        <h2 id="create-token-h">Create a token</h2>
        <div className="row align-start">
          <Field name="name" label="Token name" idPrefix="token" error={state.errors.name} hint="e.g. ci-inventory (letters, digits, . _ : -)">
            {(p) => <input {...p} required defaultValue={v.name ?? ''} />}
          </Field>
          <Field name="role" label="Role" idPrefix="token" error={state.errors.role}>
            {(p) => (
              <select {...p} defaultValue={v.role ?? 'service-owner'}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field name="teams" label="Teams" idPrefix="token" error={state.errors.teams} hint="A service-owner token writes only these teams' contexts. Ctrl/⌘-click for several.">
            {(p) => (
              <select {...p} multiple size={Math.min(Math.max(teams.length, 2), 5)}>
                {teams.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button type="submit" className="btn primary" disabled={pending}>
            {pending ? 'Creating…' : 'Create token'}
          </button>
        </div>
        {!state.ok && <FormMessage state={state} knownFields={['name', 'role', 'teams']} />}
      </form>
    </>
  );
}

/** The new token, shown exactly once, with a copy button. */
function TokenOnce({ name, token }: { name: string; token: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="notice warn token-once" role="status">
      <h2>Token {name} created — copy it now</h2>
      <p className="flush">Vakt stores only a hash of it: this is the only time it is shown. Leaving or reloading this page loses it.</p>
      <div className="row">
        <label htmlFor="new-token" className="sr-only">
          New API token
        </label>
        <input id="new-token" className="mono token-box" readOnly value={token} onFocus={(e) => e.currentTarget.select()} />
        <button
          type="button"
          className="btn"
          onClick={async () => {
            await navigator.clipboard.writeText(token).catch(() => undefined);
            setCopied(true);
          }}
        >
          {copied ? 'Copied' : 'Copy token'}
        </button>
      </div>
      <p className="small flush">
        Use it as <code>Authorization: Bearer {token.slice(0, 12)}…</code>
      </p>
    </div>
  );
}
