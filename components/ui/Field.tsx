import type { ReactNode } from 'react';

export type TControlProps = {
  id: string;
  name: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
};

/**
 * A labelled form control with its hint and error. The control is rendered by `children`, which
 * receives the id/name/aria props to spread, so the error is tied to the control (aria-describedby).
 */
export function Field({
  name,
  label,
  error,
  hint,
  idPrefix = 'f',
  children,
}: {
  name: string;
  label: ReactNode;
  error?: string;
  hint?: ReactNode;
  idPrefix?: string;
  children: (props: TControlProps) => ReactNode;
}) {
  const id = `${idPrefix}-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, name, ...(error ? { 'aria-invalid': true as const } : {}), ...(describedBy ? { 'aria-describedby': describedBy } : {}) })}
      {hint && (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** A checkbox with its label on the same line (label wraps the input). */
export function CheckboxField({ name, label, defaultChecked, error, idPrefix = 'f' }: { name: string; label: ReactNode; defaultChecked: boolean; error?: string; idPrefix?: string }) {
  const id = `${idPrefix}-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  return (
    <div className="field">
      <label className="check" htmlFor={id}>
        <input type="checkbox" id={id} name={name} defaultChecked={defaultChecked} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} />
        {label}
      </label>
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
