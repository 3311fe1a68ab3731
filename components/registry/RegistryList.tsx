import type { ReactNode } from 'react';
import { CreateForm, type TCreateField } from '@/components/ui/CreateForm';
import { TimeAgo } from '@/components/ui/TimeAgo';
import type { TFormState } from '@/components/ui/form-state';

type TRegistryRow = { id: string; name: string; createdAt: Date; cells: ReactNode[] };
type TRegistryCreate = { title: string; idPrefix: string; submit: string; action: (prev: TFormState, fd: FormData) => Promise<TFormState>; fields: TCreateField[] };

/**
 * A registry list page (sites, teams): the heading and intro, a table of the registered rows (name,
 * the area's own columns, when created) and, when `create` is given (admins), the create form.
 */
export function RegistryList(props: {
  title: string;
  intro: string;
  /** the list's heading and its id (for aria-labelledby) */
  listTitle: string;
  listId: string;
  empty: string;
  /** column headers: the name's, then one per cell */
  columns: string[];
  rows: TRegistryRow[];
  create: TRegistryCreate | null;
}) {
  const now = new Date();
  return (
    <>
      <h1>{props.title}</h1>
      <p className="muted">{props.intro}</p>
      <section className="card" aria-labelledby={props.listId}>
        <h2 id={props.listId}>{props.listTitle}</h2>
        {props.rows.length === 0 ? (
          <p className="muted">{props.empty}</p>
        ) : (
          <table>
            <thead>
              <tr>
                {props.columns.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((r) => (
                <tr key={r.id}>
                  <td className="mono">{r.name}</td>
                  {r.cells.map((cell, i) => (
                    <td key={i}>{cell}</td>
                  ))}
                  <td>
                    <TimeAgo date={r.createdAt} now={now} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {props.create && (
        <section className="card">
          <CreateForm title={props.create.title} idPrefix={props.create.idPrefix} submit={props.create.submit} action={props.create.action} fields={props.create.fields} />
        </section>
      )}
    </>
  );
}
