/** What a server action used with useActionState returns: field errors keyed by path, one message, and the input to keep. */
export type TFormState = {
  ok?: boolean;
  message: string | null;
  errors: Record<string, string>;
  values?: Record<string, string>;
  /** increments on each answer so a form can re-mount with the kept values */
  attempt?: number;
};

export const initialFormState: TFormState = { message: null, errors: {}, attempt: 0 };

/** The attempt number of the answer to `prev` (each answer counts one more). */
export const nextAttempt = (prev: TFormState): number => (prev.attempt ?? 0) + 1;

/** A server action's success answer: the message, no field errors, the attempt counted. */
export function formSuccess(prev: TFormState, message: string): TFormState {
  return { ok: true, message, errors: {}, attempt: nextAttempt(prev) };
}

/** The input a form re-shows after an answer: none after a success (inputs start empty), else what was typed. */
export function keptValues(state: TFormState): Record<string, string> {
  return state.ok ? {} : (state.values ?? {});
}

/** FormData -> plain strings (checkboxes appear only when checked). */
export function formValues(fd: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of fd.entries()) if (typeof v === 'string' && !k.startsWith('$ACTION')) out[k] = v;
  return out;
}
