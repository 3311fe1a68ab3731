import { pageActor } from '@/lib/auth/session';
import { listSites } from '@/lib/registry/sites';
import { db } from '@/lib/base/db';
import { RegisterClusterForm } from './RegisterClusterForm';
import { MEMBER_ROWS } from './constants';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Register a cluster · Vakt' };

export default async function NewClusterPage() {
  await pageActor('admin', '/clusters/new');
  const [sites, contexts] = await Promise.all([listSites(), db.boundedContext.findMany({ select: { slug: true }, orderBy: { slug: 'asc' } })]);
  return (
    <>
      <h1>Register a cluster</h1>
      <p className="muted">
        The same as <code>POST /api/v1/clusters</code> with an admin token, e.g.{' '}
        <code>
          curl -H &quot;Authorization: Bearer $TOKEN&quot; -H &quot;content-type: application/json&quot; -d @cluster.json http://localhost:3000/api/v1/clusters
        </code>
        . Sites must exist first.
      </p>
      {sites.length === 0 ? <p className="notice warn">No sites yet: an admin creates them on the Sites page.</p> : null}
      <RegisterClusterForm sites={sites.map((s) => s.name)} contexts={contexts.map((c) => c.slug)} rows={MEMBER_ROWS} />
    </>
  );
}
