import Link from 'next/link';
import { pageActor } from '@/lib/auth/session';
import { readFleetReadiness } from '@/lib/readiness/read-readiness';
import { StatusBadge } from '@/components/readiness/StatusBadge';
import { DataTable } from '@/components/ui/DataTable';
import type { TAnswerStatus } from '@/lib/readiness/readiness';

/** weakest first when sorted descending: bad 3, unknown 2, warn 1, ok 0 (lib/readiness rank) */
const RANK: Record<TAnswerStatus, number> = { ok: 0, warn: 1, unknown: 2, bad: 3 };

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
      <DataTable
        testId="fleet-readiness"
        caption={<span className="sr-only">Restore readiness per context and cluster, weakest first</span>}
        columns={[{ label: 'context', sortable: true }, { label: 'weakest', sortable: true }, { label: 'cluster', sortable: true }, { label: 'trusted', sortable: true }, ...COLUMNS.map(([, label]) => ({ label, sortable: true }))]}
        empty={<p className="muted">No bounded context yet. Next: create one on the Contexts page and declare its recovery policy; readiness follows once a cluster holds it.</p>}
        rows={f.rows.flatMap((r) =>
          (r.clusters.length ? r.clusters : [null]).map((c) => {
            const weakest = r.weakest && !r.stale ? r.weakest.status : 'unknown';
            return {
              key: `${r.slug}-${c?.cluster ?? ''}`,
              attrs: { 'data-testid': `fleet-${r.slug}` },
              sort: [r.slug, RANK[weakest], c?.cluster ?? null, c ? (c.trusted ? 1 : 0) : null, ...COLUMNS.map(([k]) => (c ? RANK[c.statuses[k]] : null))],
              text: `${r.slug} ${weakest} ${r.weakest?.answer ?? ''} ${c?.cluster ?? ''} ${c ? (c.trusted ? 'trusted' : 'untrusted') : ''}`,
              cells: [
                <Link key="s" href={`/contexts/${r.slug}/readiness`}>
                  {r.slug}
                </Link>,
                <span key="w">
                  <StatusBadge status={weakest} /> <span className="small">{r.weakest ? r.weakest.answer : 'not computed'}</span>
                </span>,
                c?.cluster ?? '—',
                c ? (c.trusted ? 'yes' : 'no') : '—',
                ...COLUMNS.map(([k]) => (c ? <StatusBadge key={k} status={c.statuses[k]} /> : '—')),
              ],
            };
          }),
        )}
      />
      {pages > 1 && (
        <p className="pager">
          {page > 1 && <Link href={`/readiness?page=${page - 1}`}>← previous</Link>} page {page} of {pages} {page < pages && <Link href={`/readiness?page=${page + 1}`}>next →</Link>}
        </p>
      )}
    </>
  );
}
