'use client';
import type { ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { TClusterView } from '@/lib/registry/read-clusters';
import { fetchJson } from '@/components/lib/fetch-json';
import { formatBytes, formatDuration } from '@/components/lib/format';
import { useLiveRefetchMs } from '@/components/lib/live-stream';
import { STATE_LABEL, maxLag, primaries } from './health';
import { LiveStatus } from './LiveStatus';
import { MembersTable } from './MembersTable';
import { ClusterCharts } from './ClusterCharts';
import { EventList } from './EventList';
import { SwitchoverGapChart } from './SwitchoverGapChart';

export const HISTORY_MINUTES = 60;

/** The live part of a cluster page: state, members, charts, events — refreshed every 3 s. */
export function ClusterLive({ initial, initialAt, safety }: { initial: TClusterView; initialAt: number; safety?: ReactNode }) {
  const name = initial.name;
  const q = useQuery({
    queryKey: ['cluster', name, HISTORY_MINUTES],
    queryFn: ({ signal }) => fetchJson<TClusterView>(`/api/v1/clusters/${encodeURIComponent(name)}?history=${HISTORY_MINUTES}`, { signal }),
    initialData: initial,
    initialDataUpdatedAt: initialAt,
    refetchInterval: useLiveRefetchMs(),
  });
  const c = q.data ?? initial;
  const nowMs = q.dataUpdatedAt || initialAt;
  const prim = primaries(c);
  const lag = maxLag(c);
  return (
    <>
      {c.stale && (
        <div role="status" className="notice warn" data-testid="cluster-stale">
          <strong>Not current:</strong> Vakt&apos;s worker has not evaluated this cluster recently, so its state reads unknown (is a worker running?).
        </div>
      )}
      {c.state === 'SPLIT_BRAIN' && (
        <div role="alert" className="notice bad alarm-banner">
          <strong>Split-brain:</strong> {prim.length >= 2 ? `${prim.map((m) => m.name).join(' and ')} both answer as primary` : 'members disagree on timeline or system identifier'}.
          Every promotion is blocked; fence the member that must not take writes.
        </div>
      )}
      {c.state === 'PRIMARY_DOWN' && (
        <div role="alert" className="notice bad">
          <strong>Primary down:</strong> no member answers as a writable primary. See the promotion safety panel below before promoting anything.
        </div>
      )}
      <div className="spread">
        <dl className="kv cluster-summary">
          <dt>state</dt>
          <dd>
            <span className={`badge ${c.state}`} data-testid="cluster-state">
              {STATE_LABEL[c.state]}
            </span>
          </dd>
          <dt>primary</dt>
          <dd data-testid="cluster-primary">{prim.length ? prim.map((m) => m.name).join(' + ') : 'none reachable'}</dd>
          <dt>epoch</dt>
          <dd>{c.epoch}</dd>
          <dt>max lag</dt>
          <dd>
            {formatBytes(lag.bytes)} · {formatDuration(lag.seconds)}
          </dd>
        </dl>
        <LiveStatus updatedAt={q.dataUpdatedAt} error={q.isError ? q.error : null} fetching={q.isFetching} />
      </div>
      <h2>Members</h2>
      <MembersTable members={c.members} nowMs={nowMs} />
      {safety}
      <h2>Last hour</h2>
      <ClusterCharts history={c.history} members={c.members} rpoBoundSeconds={c.policy?.effective.rpo.boundSeconds ?? null} />
      <div className="charts">
        <SwitchoverGapChart cluster={name} />
      </div>
      <h2>Role and timeline changes</h2>
      <EventList events={c.events} nowMs={nowMs} />
    </>
  );
}
