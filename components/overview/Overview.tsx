'use client';
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import type { TOverview } from '@/lib/readmodel/overview';
import type { TAttentionItem } from '@/lib/readmodel/attention';
import type { TClusterListItem } from '@/lib/readmodel/list';
import { fetchJson } from '@/components/lib/fetch-json';
import { formatBytes, formatDuration } from '@/components/lib/format';
import { useLiveRefetchMs } from '@/components/lib/live-stream';
import { DataTable, type TDataColumn } from '@/components/ui/DataTable';
import { TimeAgo } from '@/components/ui/TimeAgo';
import { hasNoWriter, maxLag, primaries, stateTone } from '@/components/fleet/health';
import { LiveStatus } from '@/components/fleet/LiveStatus';

// The overview at `/`: what needs a person now (GET /api/v1/overview's attention list, most urgent
// first, each with the page that acts on it), then fleet health by site. Live: the stream invalidates
// ['overview'] on a change; while it is down the query polls (useLiveRefetchMs).

const ACTION: Record<TAttentionItem['kind'], string> = {
  'Split brain': 'Open the cluster',
  'Primary down': 'Open the cluster',
  'Promotion awaiting approval': 'Open the promotion',
  'Switchover awaiting approval': 'Open the switchover',
  'Rejoin awaiting approval': 'Open the cluster',
  'Alert firing': 'Open alerts',
  'Drill failed': 'Open the drill',
  'Drill overdue': 'Open the context',
  'Backups untrusted': 'Open the context',
  'Declaration proposal': 'Review the proposal',
};

/** Each cluster under one site: its primary's, else its first member's (so a name links once). */
function clustersBySite(clusters: TClusterListItem[]): Array<{ site: string; clusters: TClusterListItem[] }> {
  const out = new Map<string, TClusterListItem[]>();
  for (const c of clusters) {
    const site = primaries(c)[0]?.site ?? c.members[0]?.site ?? 'no members';
    out.set(site, [...(out.get(site) ?? []), c]);
  }
  return [...out.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([site, list]) => ({ site, clusters: list }));
}

const COLUMNS: TDataColumn[] = [
  { label: 'Cluster', sortable: true },
  { label: 'State', sortable: true },
  { label: 'Primary', sortable: true },
  { label: 'Max replica lag', sortable: true, numeric: true },
  { label: 'Members answering', sortable: true, numeric: true },
];
const STATE_ORDER = ['SPLIT_BRAIN', 'PRIMARY_DOWN', 'DEGRADED', 'UNKNOWN', 'HEALTHY'];

function Attention({ items, now }: { items: TAttentionItem[]; now: Date }) {
  return (
    <section aria-label="Needs attention" className="card">
      <h2 className="flush">Needs attention</h2>
      {items.length === 0 ? (
        <p data-testid="attention-empty">
          <strong>Nothing needs attention</strong>: no alarm, request or failed drill waits for a person. Next: check{' '}
          <Link href="/readiness">restore readiness</Link> and the <Link href="/drills">latest drills</Link>.
        </p>
      ) : (
        <ul className="attention">
          {items.map((i, n) => (
            <li key={`${i.kind}-${i.subject}-${i.href}-${n}`} className={`attention-item ${i.severity}`}>
              <span className={`badge ${i.severity === 'critical' ? 'bad' : 'warning'}`}>{i.kind}</span> <strong className="mono">{i.subject}</strong>
              <span className="muted small"> ({i.subjectKind})</span> — {i.detail}
              {i.since && (
                <span className="muted small">
                  {' '}
                  · since <TimeAgo date={i.since} now={now} />
                </span>
              )}{' '}
              <Link href={i.href}>{ACTION[i.kind]}</Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function FleetHealth({ clusters, total }: { clusters: TClusterListItem[]; total: number }) {
  const groups = clustersBySite(clusters);
  return (
    <section aria-label="Fleet health">
      <h2>Fleet health</h2>
      {groups.length === 0 && (
        <p className="empty-state">
          No cluster is registered yet. Next: an admin <Link href="/clusters/new">registers a cluster</Link>, then Vakt polls its members.
        </p>
      )}
      {total > clusters.length && (
        <p className="muted small">
          The {clusters.length} worst of {total} clusters; <Link href="/fleet">the fleet page</Link> pages through all.
        </p>
      )}
      <div className="site-tables">
        {groups.map((g) => (
          <DataTable
            key={g.site}
            caption={g.site}
            columns={COLUMNS}
            filter={g.clusters.length > 5}
            empty={null}
            testId={`site-${g.site}`}
            rows={g.clusters.map((c) => {
              const prim = primaries(c);
              const lag = maxLag(c);
              const ok = c.members.filter((m) => m.status === 'ok' && !m.stale).length;
              const noWriter = hasNoWriter(c);
              return {
                key: c.name,
                sort: [c.name, STATE_ORDER.indexOf(c.state), prim.map((m) => m.name).join(' ') || null, lag.bytes, ok],
                text: `${c.name} ${c.state} ${c.stale ? 'stale' : ''} ${prim.map((m) => m.name).join(' ')}`,
                cells: [
                  <Link key="n" href={`/clusters/${encodeURIComponent(c.name)}`} className="mono">
                    {c.name}
                  </Link>,
                  <span key="s">
                    <span className={`badge ${c.state}${noWriter ? ' bad' : ''}`} data-testid={`overview-state-${c.name}`} data-tone={noWriter ? 'bad' : stateTone(c.state)}>
                      {c.state}
                    </span>
                    {c.stale && <span className="stale"> stale</span>}
                    {noWriter && c.state !== 'PRIMARY_DOWN' && <span className="bad-text"> · no writable primary</span>}
                  </span>,
                  prim.length ? prim.map((m) => m.name).join(' + ') : <span className="bad-text">none reachable</span>,
                  lag.bytes === null && lag.seconds === null ? '—' : `${formatBytes(lag.bytes)} · ${formatDuration(lag.seconds)}`,
                  `${ok} of ${c.members.length}`,
                ],
              };
            })}
          />
        ))}
      </div>
    </section>
  );
}

export function Overview({ initial, initialAt }: { initial: TOverview; initialAt: number }) {
  const q = useQuery({
    queryKey: ['overview'],
    queryFn: ({ signal }) => fetchJson<TOverview>('/api/v1/overview', { signal }),
    initialData: initial,
    initialDataUpdatedAt: initialAt,
    refetchInterval: useLiveRefetchMs(),
  });
  const o = q.data ?? initial;
  return (
    <>
      <LiveStatus updatedAt={q.dataUpdatedAt} error={q.isError ? q.error : null} fetching={q.isFetching} />
      <Attention items={o.attention} now={new Date(o.at)} />
      <FleetHealth clusters={o.clusters} total={o.totalClusters} />
    </>
  );
}
