'use client';
import { useActionState } from 'react';
import { Field } from '@/components/ui/Field';
import { FormMessage } from '@/components/ui/FormMessage';
import { initialFormState, keptValues } from '@/components/ui/form-state';
import { registerClusterAction } from './actions';

export function RegisterClusterForm({ sites, contexts, rows }: { sites: string[]; contexts: string[]; rows: number }) {
  const [state, action, pending] = useActionState(registerClusterAction, initialFormState);
  const v = keptValues(state);
  const err = state.errors;
  const rowErr = (i: number) => ['name', 'site', 'agentUrl', 'agentToken'].map((f) => err[`members.${i}.${f}`]).filter(Boolean);
  const known = ['name', 'kind', 'members', ...Object.keys(err).filter((k) => k.startsWith('members.') || k.startsWith('contexts'))];
  return (
    <form action={action} className="form card" key={state.attempt} noValidate>
      <FormMessage state={state} knownFields={known} />
      <Field name="name" label="Cluster name" error={err.name} hint="lower-case, e.g. control-main">
        {(p) => <input {...p} defaultValue={v.name ?? ''} required autoComplete="off" />}
      </Field>
      <Field name="kind" label="Observed through" error={err.kind}>
        {(p) => (
          <select {...p} defaultValue={v.kind ?? 'vakt-agent'}>
            <option value="vakt-agent">Vakt agents (one per PostgreSQL node)</option>
            <option value="patroni">Patroni REST API</option>
          </select>
        )}
      </Field>
      <Field
        name="contexts"
        label="Bounded contexts it holds"
        error={err.contexts ?? Object.entries(err).find(([k]) => k.startsWith('contexts.'))?.[1]}
        hint={`one per line: slug, then optionally database[.schema] — known: ${contexts.join(', ') || 'none yet'}`}
      >
        {(p) => <textarea {...p} defaultValue={v.contexts ?? ''} placeholder={'inventory-tenancy inventory.tenancy\nsentral sentral'} />}
      </Field>
      <fieldset>
        <legend>Members</legend>
        <p className="hint flush">
          Agent URL: the Vakt agent (or Patroni REST) base URL; it must match VAKT_AGENT_ALLOW. Token: the agent&apos;s bearer token (for Patroni, optional user:password); stored encrypted,
          never shown again. {err.members && <span className="field-error">{err.members}</span>}
        </p>
        <table className="compact">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Site</th>
              <th scope="col">Agent URL</th>
              <th scope="col">Token</th>
            </tr>
          </thead>
          <tbody>
            {Array.from({ length: rows }, (_, i) => (
              <tr key={i}>
                <td>
                  <input name={`members.${i}.name`} aria-label={`Member ${i + 1} name`} defaultValue={v[`members.${i}.name`] ?? ''} aria-invalid={err[`members.${i}.name`] ? true : undefined} />
                </td>
                <td>
                  <select name={`members.${i}.site`} aria-label={`Member ${i + 1} site`} defaultValue={v[`members.${i}.site`] ?? sites[0] ?? ''} aria-invalid={err[`members.${i}.site`] ? true : undefined}>
                    {sites.map((s) => (
                      <option key={s}>{s}</option>
                    ))}
                  </select>
                </td>
                <td>
                  <input name={`members.${i}.agentUrl`} aria-label={`Member ${i + 1} agent URL`} placeholder="http://10.0.0.11:7070" defaultValue={v[`members.${i}.agentUrl`] ?? ''} aria-invalid={err[`members.${i}.agentUrl`] ? true : undefined} />
                </td>
                <td>
                  <input type="password" name={`members.${i}.agentToken`} aria-label={`Member ${i + 1} token`} autoComplete="off" aria-invalid={err[`members.${i}.agentToken`] ? true : undefined} />
                  {rowErr(i).map((m) => (
                    <p key={m} className="field-error">
                      {m}
                    </p>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </fieldset>
      <div className="row">
        <button className="btn primary" type="submit" disabled={pending}>
          {pending ? 'Registering…' : 'Register cluster'}
        </button>
      </div>
    </form>
  );
}
