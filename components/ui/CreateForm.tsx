'use client';

import { useActionState } from 'react';
import { Field } from './Field';
import { FormMessage } from './FormMessage';
import { initialFormState, keptValues, type TFormState } from './form-state';

export type TCreateField = { name: string; label: string; hint?: string; required?: boolean; placeholder?: string };

/** A small create form (admin): text fields, one submit button, field errors from the action. */
export function CreateForm({ title, fields, submit, action, idPrefix }: { title: string; fields: TCreateField[]; submit: string; action: (prev: TFormState, fd: FormData) => Promise<TFormState>; idPrefix: string }) {
  const [state, formAction, pending] = useActionState(action, initialFormState);
  const v = keptValues(state);
  return (
    <form key={state.attempt} action={formAction} className="form compact-form" aria-label={title}>
      <h2>{title}</h2>
      <div className="row align-end">
        {fields.map((f) => (
          <Field key={f.name} name={f.name} label={f.label} hint={f.hint} error={state.errors[f.name]} idPrefix={idPrefix}>
            {(p) => <input {...p} type="text" required={f.required} placeholder={f.placeholder} defaultValue={v[f.name] ?? ''} />}
          </Field>
        ))}
        <button type="submit" className="btn primary" disabled={pending}>
          {pending ? 'Working…' : submit}
        </button>
      </div>
      <FormMessage state={state} knownFields={fields.map((f) => f.name)} />
    </form>
  );
}
