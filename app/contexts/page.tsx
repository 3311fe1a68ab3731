import Link from 'next/link';
import { pageActor } from '@/lib/auth/session';
import { hasRole } from '@/lib/auth/roles';
import { readContexts } from '@/lib/readmodel/read';
import { FindingCounts } from '@/components/ui/FindingList';
import { LiveRefresh } from '@/components/lib/live-stream';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Contexts · Vakt' };

export default async function ContextsPage() {
  const actor = await pageActor('viewer', '/contexts');
  const contexts = await readContexts();
  return (
    <>
      <LiveRefresh />
      <h1>Bounded contexts</h1>
      <p className="muted">Each context declares how much data it may lose and how fast it must be back. Open one to see its declaration, findings and history.</p>
      {hasRole(actor.role, 'admin') && (
        <p>
          <Link href="/contexts/new" className="btn">
            New context
          </Link>
        </p>
      )}
      {contexts.length === 0 ? (
        <p className="notice">
          No contexts registered yet. A service team registers one by applying a <code>recovery.yaml</code> (<code>npm run vakt -- apply -f recovery.yaml</code> or{' '}
          <code>PUT /api/v1/contexts/&#123;slug&#125;/declaration</code>).
        </p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Context</th>
                <th scope="col">Team</th>
                <th scope="col">RPO / RTO class</th>
                <th scope="col">Failover mode</th>
                <th scope="col">Cross-site stance</th>
                <th scope="col">Open findings</th>
                <th scope="col">Version</th>
              </tr>
            </thead>
            <tbody>
              {contexts.map((c) => (
                <tr key={c.slug}>
                  <td>
                    <Link href={`/contexts/${c.slug}`}>{c.name}</Link>
                    <div className="muted small mono">{c.slug}</div>
                  </td>
                  <td>{c.team}</td>
                  <td>{c.rpoClass ? `${c.rpoClass} / ${c.rtoClass}` : <span className="muted">not declared</span>}</td>
                  <td>{c.failover ?? <span className="muted">—</span>}</td>
                  <td>{c.crossSite ?? <span className="muted">—</span>}</td>
                  <td>
                    <FindingCounts counts={c.findingCounts} />
                  </td>
                  <td>{c.currentVersion > 0 ? `v${c.currentVersion}` : <span className="muted">none</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
