'use client';
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import type { TClusterMemberView, TClusterView } from '@/lib/registry/read-clusters';
import { fetchJson } from '@/components/lib/fetch-json';
import { formatAge, formatBytes, formatDuration } from '@/components/lib/format';
import { useLiveRefetchMs } from '@/components/lib/live-stream';
import { STATE_LABEL, fleetSites, maxLag, memberTone, primaries, roleBadge, sortClustersWorstFirst, stateTone, statusBadge, worstTone } from './health';
import { LiveStatus } from './LiveStatus';

// The fleet overview: sites × clusters, worst problem first, polling /api/v1/clusters.

export function FleetOverview({ initial, sites, initialAt }: { initial: TClusterView[]; sites: string[]; initialAt: number }) {
  const q = useQuery({
    queryKey: ['clusters'],
    queryFn: ({ signal }) => fetchJson<TClusterView[]>('/api/v1/clusters', { signal }),
    initialData: initial,
    initialDataUpdatedAt: initialAt,
    refetchInterval: useLiveRefetchMs(),
    refetchIntervalInBackground: false,
  });
  const clusters = sortClustersWorstFirst(q.data ?? []);
  const columns = fleetSites(sites, clusters);
  const splitBrain = clusters.filter((c) => c.state === 'SPLIT_BRAIN');
  const counts = clusters.reduce<Record<string, number>>((acc, c) => ((acc[c.state] = (acc[c.state] ?? 0) + 1), acc), {});

  return (
    <div data-testid="fleet-overview">
      {clusters.some((c) => c.stale) && (
        <div role="status" className="notice warn" data-testid="fleet-stale">
          <strong>Not current:</strong> {clusters.filter((c) => c.stale).length} cluster(s) have not been evaluated by Vakt&apos;s worker recently and read unknown (is a worker running?).
        </div>
      )}
      {splitBrain.length > 0 && (
        <div role="alert" className="notice bad alarm-banner">
          <strong>Split-brain:</strong> {splitBrain.map((c) => c.name).join(', ')} — two members claim to be primary (or their histories diverge). Every
          promotion is blocked until one of them is fenced. Open the cluster to see which.
        </div>
      )}
      <div className="spread">
        <p className="muted flush">
          {clusters.length} cluster{clusters.length === 1 ? '' : 's'} across {columns.length} site{columns.length === 1 ? '' : 's'}
          {(['SPLIT_BRAIN', 'PRIMARY_DOWN', 'DEGRADED', 'UNKNOWN', 'HEALTHY'] as const)
            .filter((s) => counts[s])
            .map((s) => (
              <span key={s}>
                {' · '}
                <span className={`badge ${s}`}>
                  {counts[s]} {STATE_LABEL[s]}
                </span>
              </span>
            ))}
        </p>
        <LiveStatus updatedAt={q.dataUpdatedAt} error={q.isError ? q.error : null} fetching={q.isFetching} />
      </div>
      {clusters.length === 0 ? (
        <div className="card">
          <p>No clusters are registered yet.</p>
          <p className="muted">
            An admin registers one at <Link href="/clusters/new">Register a cluster</Link> or with <code>POST /api/v1/clusters</code>.
          </p>
        </div>
      ) : (
        <div className="fleet-scroll">
          <table className="fleet-grid">
            <caption className="sr-only">Clusters (rows, worst first) by site (columns)</caption>
            <thead>
              <tr>
                <th scope="col">Cluster</th>
                {columns.map((s) => (
                  <th scope="col" key={s}>
                    {s}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {clusters.map((c) => (
                <ClusterRow key={c.name} cluster={c} sites={columns} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function ClusterRow({ cluster: c, sites }: { cluster: TClusterView; sites: string[] }) {
  const prim = primaries(c);
  const lag = maxLag(c);
  const stale = c.members.filter((m) => m.stale);
  return (
    <tr data-testid={`fleet-row-${c.name}`} data-state={c.state}>
      <th scope="row" className={`tile ${stateTone(c.state)} cluster-cell`}>
        <div className="spread">
          <Link href={`/clusters/${encodeURIComponent(c.name)}`} className="cluster-link">
            {c.name}
          </Link>
          <span className={`badge ${c.state}`}>{STATE_LABEL[c.state]}</span>
        </div>
        <dl className="kv small">
          <dt>primary</dt>
          <dd>{prim.length === 0 ? <span className="bad-text">none reachable</span> : prim.map((m) => m.name).join(' + ')}</dd>
          <dt>max lag</dt>
          <dd>
            {formatBytes(lag.bytes)} · {formatDuration(lag.seconds)}
          </dd>
          {c.contexts.length > 0 && (
            <>
              <dt>contexts</dt>
              <dd>{c.contexts.map((x) => x.slug).join(', ')}</dd>
            </>
          )}
        </dl>
        {stale.length > 0 && (
          <p className="stale small flush">
            stale: {stale.map((m) => `${m.name} (${formatAge(m.ageSeconds)})`).join(', ')}
          </p>
        )}
      </th>
      {sites.map((s) => {
        const here = c.members.filter((m) => m.site === s);
        const tone = worstTone(here.map(memberTone));
        return (
          <td key={s} className={tone ? `tile ${tone} site-cell` : 'site-cell empty'}>
            {here.length === 0 ? (
              <span className="muted small">—</span>
            ) : (
              <ul className="member-list">
                {here.map((m) => (
                  <MemberChip key={m.name} m={m} />
                ))}
              </ul>
            )}
          </td>
        );
      })}
    </tr>
  );
}

function MemberChip({ m }: { m: TClusterMemberView }) {
  const tone = memberTone(m);
  return (
    <li className="member-chip">
      <span className={`dot ${tone}`} aria-hidden />
      <strong>{m.name}</strong>{' '}
      <span className={`badge ${roleBadge(m.role)}`}>{m.role}</span>
      {m.status !== 'ok' && <span className={`badge ${statusBadge(m.status)}`}>{m.status === 'never' ? 'not polled yet' : m.status}</span>}
      {m.fenced && <span className="badge warn">fenced</span>}
      {m.role === 'replica' && m.status === 'ok' && (
        <span className="small muted">
          {' '}
          lag {formatBytes(m.lagBytes)} · {formatDuration(m.lagSeconds)}
          {m.syncState ? ` · ${m.syncState}` : ''}
        </span>
      )}
      {m.stale && <span className="stale small"> stale {formatAge(m.ageSeconds)}</span>}
    </li>
  );
}
