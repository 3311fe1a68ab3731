import { pageActor } from '@/lib/auth/session';
import { hasRole } from '@/lib/auth/roles';
import { listClasses, type TClass } from '@/lib/registry/classes';
import { Badge } from '@/components/ui/Badge';
import { formatBound } from '@/components/lib/format';
import { ClassEditForm } from './ClassEditForm';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Recovery classes · Vakt' };

function ClassTable({ title, kind, classes, admin }: { title: string; kind: 'RPO' | 'RTO'; classes: TClass[]; admin: boolean }) {
  const boundMeaning = kind === 'RPO' ? 'most data lost' : 'longest time to be back';
  return (
    <section className="card" aria-labelledby={`${kind}-h`}>
      <h2 id={`${kind}-h`}>{title}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Class</th>
            <th scope="col">Bound ({boundMeaning})</th>
            <th scope="col">Description</th>
            {admin && <th scope="col">Edit</th>}
          </tr>
        </thead>
        <tbody>
          {classes.map((c) => (
            <tr key={c.id}>
              <th scope="row">{c.name}</th>
              <td>
                {c.boundSeconds === null ? (
                  <Badge tone="warning" title="No numeric bound chosen yet: checks against it are skipped and each context using it shows a finding">
                    unset
                  </Badge>
                ) : (
                  <>
                    ≤ {formatBound(c.boundSeconds)} <span className="muted small">({c.boundSeconds} s)</span>
                  </>
                )}
              </td>
              <td>{c.description ?? <span className="muted">—</span>}</td>
              {admin && (
                <td>
                  <ClassEditForm cls={{ id: c.id, name: c.name, boundSeconds: c.boundSeconds, description: c.description }} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export default async function ClassesPage() {
  const actor = await pageActor('viewer', '/classes');
  const admin = hasRole(actor.role, 'admin');
  const { rpo, rto } = await listClasses();
  return (
    <>
      <h1>Recovery classes</h1>
      <p className="muted">
        Declarations name an RPO class and an RTO class; the numeric bound of each class is what Vakt checks measurements and lint rules against.
        A class without a bound is allowed while the numbers are being chosen, and every context using it shows a finding.
      </p>
      {admin ? (
        <p className="notice">Edit a class in its row. Leave “bound in seconds” empty to remove the bound. Renaming a class makes declarations that use the old name show an unknown-class finding until they are updated.</p>
      ) : (
        <p className="muted small">Only admins change the catalog.</p>
      )}
      <ClassTable title="RPO classes (recovery point)" kind="RPO" classes={rpo} admin={admin} />
      <ClassTable title="RTO classes (recovery time)" kind="RTO" classes={rto} admin={admin} />
    </>
  );
}
