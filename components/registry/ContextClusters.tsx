import Link from 'next/link';
import { db } from '@/lib/base/db';
import { clusterKindFromDb } from '@/lib/pg/cluster-kind';

// Slot for the clusters that hold a context. Cluster registration (POST /api/v1/clusters) is built
// by the telemetry work; until then this lists whatever ClusterContext rows exist.
export async function ContextClusters({ slug }: { slug: string }) {
  const rows = await db.clusterContext.findMany({
    where: { context: { slug } },
    include: { cluster: { include: { members: { include: { site: true } } } } },
    orderBy: { cluster: { name: 'asc' } },
  });
  return (
    <section id="clusters" className="card" aria-labelledby="clusters-h">
      <h2 id="clusters-h">Clusters holding this context</h2>
      {rows.length === 0 ? (
        <p className="muted">No clusters registered hold this context yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Cluster</th>
              <th scope="col">Kind</th>
              <th scope="col">Database / schema</th>
              <th scope="col">Members (site)</th>
              <th scope="col">Epoch</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.clusterId}>
                <td>
                  <Link href={`/clusters/${encodeURIComponent(r.cluster.name)}`}>{r.cluster.name}</Link>
                </td>
                <td>{clusterKindFromDb(r.cluster.kind)}</td>
                <td className="mono">
                  {r.database ?? '—'}
                  {r.schema ? ` / ${r.schema}` : ''}
                </td>
                <td>{r.cluster.members.map((m) => `${m.name} (${m.site.name})`).join(', ') || <span className="muted">none</span>}</td>
                <td>{r.cluster.epoch}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
