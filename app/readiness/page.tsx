import Link from 'next/link';
import { pageActor } from '@/lib/auth/session';
import { readFleetReadiness } from '@/lib/readiness/read-readiness';
import { StatusBadge } from '@/components/readiness/StatusBadge';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Readiness · Vakt' };

const COLUMNS = [
  ['backup', 'backup'],
  ['recency', 'recent'],
  ['restore', 'how'],
  ['restoreTime', 'time'],
  ['dataLoss', 'loss'],
  ['comparison', 'others'],
  ['crossSite', 'cross-site'],
] as const;

export default async function FleetReadinessPage({ searchParams }: { searchParams: Promise<{ page?: string }> }) {
  await pageActor('viewer', '/readiness');
  const page = Math.max(1, Number((await searchParams).page) || 1);
  const f = await readFleetReadiness({ page });
  const pages = Math.max(1, Math.ceil(f.total / f.pageSize));
  return (
    <>
      <h1>Restore readiness</h1>
      <p className="muted">Every context, weakest answer first ({f.total} contexts).</p>
      <div className="table-wrap">
        <table data-testid="fleet-readiness">
          <thead>
            <tr>
              <th scope="col">context</th>
              <th scope="col">weakest</th>
              <th scope="col">cluster</th>
              <th scope="col">trusted</th>
              {COLUMNS.map(([, label]) => (
                <th scope="col" key={label}>
                  {label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {f.rows.flatMap((r) =>
              (r.clusters.length ? r.clusters : [null]).map((c, i) => (
                <tr key={`${r.slug}-${c?.cluster ?? ''}`} data-testid={`fleet-${r.slug}`}>
                  {i === 0 && (
                    <>
                      <th scope="row" rowSpan={Math.max(1, r.clusters.length)}>
                        <Link href={`/contexts/${r.slug}/readiness`}>{r.slug}</Link>
                      </th>
                      <td rowSpan={Math.max(1, r.clusters.length)}>
                        {r.weakest ? <StatusBadge status={r.stale ? 'unknown' : r.weakest.status} /> : <StatusBadge status="unknown" />} <span className="small">{r.weakest ? r.weakest.answer : 'not computed'}</span>
                      </td>
                    </>
                  )}
                  <td>{c?.cluster ?? '—'}</td>
                  <td>{c ? (c.trusted ? 'yes' : 'no') : '—'}</td>
                  {COLUMNS.map(([k]) => (
                    <td key={k}>{c ? <StatusBadge status={c.statuses[k]} /> : '—'}</td>
                  ))}
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
      {pages > 1 && (
        <p className="pager">
          {page > 1 && <Link href={`/readiness?page=${page - 1}`}>← previous</Link>} page {page} of {pages} {page < pages && <Link href={`/readiness?page=${page + 1}`}>next →</Link>}
        </p>
      )}
    </>
  );
}
