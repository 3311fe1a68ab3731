'use client';

import { useActionState } from 'react';
import { initialFormState } from '@/components/ui/form-state';
import { saveClass } from './actions';

type TClassRow = { id: string; name: string; boundSeconds: number | null; description: string | null };

/** Inline edit of one class (admin). Labels name the class so each row's controls are distinct. */
export function ClassEditForm({ cls }: { cls: TClassRow }) {
  const [state, action, pending] = useActionState(saveClass, initialFormState);
  const v = state.values;
  const id = `class-${cls.id}`;
  const err = (k: string) => state.errors[k];
  const described = (k: string) => (err(k) ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-${k}-error` } : {});
  return (
    <form key={`${state.attempt}-${cls.name}-${cls.boundSeconds}`} action={action} className="inline-form" noValidate aria-label={`Edit ${cls.name}`}>
      <input type="hidden" name="id" value={cls.id} />
      <label htmlFor={`${id}-name`} className="compact">
        <span className="sr-only">Name of {cls.name}</span>
        <span aria-hidden>Name</span>
        <input id={`${id}-name`} name="name" defaultValue={v?.name ?? cls.name} size={8} {...described('name')} />
      </label>
      <label htmlFor={`${id}-bound`} className="compact">
        <span className="sr-only">Bound in seconds for {cls.name}</span>
        <span aria-hidden>Bound (s)</span>
        <input id={`${id}-bound`} name="boundSeconds" type="number" min={0} inputMode="numeric" defaultValue={v?.boundSeconds ?? (cls.boundSeconds ?? '')} size={8} {...described('boundSeconds')} />
      </label>
      <label htmlFor={`${id}-desc`} className="compact grow">
        <span className="sr-only">Description of {cls.name}</span>
        <span aria-hidden>Description</span>
        <input id={`${id}-desc`} name="description" defaultValue={v?.description ?? cls.description ?? ''} {...described('description')} />
      </label>
      <button type="submit" className="btn" disabled={pending}>
        {pending ? 'Saving…' : 'Save'}
        <span className="sr-only"> {cls.name}</span>
      </button>
      {(['name', 'boundSeconds', 'description'] as const).map((k) =>
        err(k) ? (
          <p key={k} id={`${id}-${k}-error`} className="field-error full">
            {k === 'boundSeconds' ? 'Bound' : k === 'name' ? 'Name' : 'Description'}: {err(k)}
          </p>
        ) : null,
      )}
      {state.message && !Object.keys(state.errors).length && (
        <p role={state.ok ? 'status' : 'alert'} className={`full small ${state.ok ? 'ok-text' : 'field-error'}`}>
          {state.message}
        </p>
      )}
    </form>
  );
}
