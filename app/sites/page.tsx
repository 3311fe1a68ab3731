import { pageActor } from '@/lib/auth/session';
import { hasRole } from '@/lib/auth/roles';
import { listSites } from '@/lib/registry/sites';
import { CreateForm } from '@/components/ui/CreateForm';
import { TimeAgo } from '@/components/ui/TimeAgo';
import { addSite } from './actions';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Sites · Vakt' };

export default async function SitesPage() {
  const actor = await pageActor('viewer', '/sites');
  const sites = await listSites();
  const now = new Date();
  return (
    <>
      <h1>Sites</h1>
      <p className="muted">A site is a datacenter or failure domain. Cluster members are placed in sites; cross-site stances and verdicts are judged between them.</p>
      <section className="card" aria-labelledby="sites-h">
        <h2 id="sites-h">Registered sites</h2>
        {sites.length === 0 ? (
          <p className="muted">No sites yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Site</th>
                <th scope="col">Region</th>
                <th scope="col">Cluster members</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {sites.map((s) => (
                <tr key={s.id}>
                  <td className="mono">{s.name}</td>
                  <td>{s.region ?? <span className="muted">—</span>}</td>
                  <td>{s.memberCount}</td>
                  <td>
                    <TimeAgo date={s.createdAt} now={now} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {hasRole(actor.role, 'admin') && (
        <section className="card">
          <CreateForm
            title="Add a site"
            idPrefix="site"
            submit="Add site"
            action={addSite}
            fields={[
              { name: 'name', label: 'Site name', hint: 'lower-case, e.g. oslo', required: true },
              { name: 'region', label: 'Region (optional)', placeholder: 'e.g. Norway east' },
            ]}
          />
        </section>
      )}
    </>
  );
}
