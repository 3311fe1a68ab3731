import type { TFormState } from './form-state';

/** The form-level message of an action answer (errors not tied to a visible field included). */
export function FormMessage({ state, knownFields = [] }: { state: TFormState; knownFields?: readonly string[] }) {
  const stray = Object.entries(state.errors).filter(([k]) => !knownFields.includes(k));
  if (!state.message && stray.length === 0) return null;
  return (
    <div role={state.ok ? 'status' : 'alert'} className={`notice ${state.ok ? 'ok' : 'bad'}`}>
      {state.message && <p className="flush">{state.message}</p>}
      {stray.length > 0 && (
        <ul className="flush">
          {stray.map(([k, m]) => (
            <li key={k}>
              <code>{k}</code>: {m}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
