'use client';
import { useState } from 'react';
import Link from 'next/link';
import { useInfiniteQuery } from '@tanstack/react-query';
import { CLUSTER_STATES as STATES, LIST_DEFAULT_LIMIT as FLEET_PAGE, type TClusterListItem, type TClusterListMember } from '@/lib/readmodel/list';
import type { TFleetSummary, TPage } from '@/lib/readmodel/read';
import { fetchJson } from '@/components/lib/fetch-json';
import { formatAge, formatBytes, formatDuration } from '@/components/lib/format';
import { useLiveRefetchMs } from '@/components/lib/live-stream';
import { STATE_LABEL, fleetSites, maxLag, memberTone, primaries, roleBadge, stateTone, statusBadge, worstTone } from './health';
import { LiveStatus } from './LiveStatus';
import { DataTable } from '@/components/ui/DataTable';

// The fleet overview: the fleet's counts (per state, per site) and one bounded page of clusters at a
// time (GET /api/v1/clusters?sort=worst: worst problem first), filtered by state, site and name;
// "Show more" reads the next page. Kept current by the live stream (queries under ['clusters']).

type TFleetPage = TPage<TClusterListItem> & { summary?: TFleetSummary };
type TFilters = { state: string; site: string; q: string };
const NO_FILTERS: TFilters = { state: '', site: '', q: '' };

function listUrl(f: TFilters, cursor: string | null): string {
  const p = new URLSearchParams({ sort: 'worst', limit: String(FLEET_PAGE) });
  if (f.state) p.set('state', f.state);
  if (f.site) p.set('site', f.site);
  if (f.q) p.set('q', f.q);
  if (cursor) p.set('cursor', cursor);
  else p.set('summary', 'true');
  return `/api/v1/clusters?${p}`;
}

export function FleetOverview({ initial, sites, initialAt }: { initial: TFleetPage; sites: string[]; initialAt: number }) {
  const [filters, setFilters] = useState<TFilters>(NO_FILTERS);
  const [text, setText] = useState('');
  const unfiltered = !filters.state && !filters.site && !filters.q;
  const q = useInfiniteQuery({
    queryKey: ['clusters', 'fleet', filters],
    queryFn: ({ pageParam, signal }) => fetchJson<TFleetPage>(listUrl(filters, pageParam), { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
    ...(unfiltered ? { initialData: { pages: [initial], pageParams: [null] }, initialDataUpdatedAt: initialAt } : {}),
    placeholderData: (prev) => prev,
    refetchInterval: useLiveRefetchMs(),
    refetchIntervalInBackground: false,
  });
  const pages = q.data?.pages ?? [];
  const summary = pages[0]?.summary ?? initial.summary!;
  const clusters = pages.flatMap((p) => p.items);
  const total = pages[0]?.total ?? 0;
  const columns = fleetSites(sites, clusters);
  const siteNames = fleetSites(sites, [{ members: summary.sites.map((s) => ({ site: s.site })) }]);
  const set = (patch: Partial<TFilters>) => setFilters((f) => ({ ...f, ...patch }));

  return (
    <div data-testid="fleet-overview">
      {summary.stale > 0 && (
        <div role="status" className="notice warn" data-testid="fleet-stale">
          <strong>Not current:</strong> {summary.stale} cluster(s) have not been evaluated by Vakt&apos;s worker recently and read unknown (is a worker running?).
        </div>
      )}
      {summary.splitBrain.length > 0 && (
        <div role="alert" className="notice bad alarm-banner">
          <strong>Split-brain:</strong> {summary.splitBrain.join(', ')}
          {(summary.states.SPLIT_BRAIN ?? 0) > summary.splitBrain.length ? ` and ${(summary.states.SPLIT_BRAIN ?? 0) - summary.splitBrain.length} more` : ''} — two members claim to be
          primary (or their histories diverge). Every promotion is blocked until one of them is fenced. Open the cluster to see which.
        </div>
      )}
      <div className="spread">
        <p className="muted flush" data-testid="fleet-counts">
          {summary.clusters} cluster{summary.clusters === 1 ? '' : 's'} across {siteNames.length} site{siteNames.length === 1 ? '' : 's'}
          {STATES.filter((s) => summary.states[s]).map((s) => (
            <span key={s}>
              {' · '}
              <button type="button" className={`badge ${s}`} aria-pressed={filters.state === s} onClick={() => set({ state: filters.state === s ? '' : s })}>
                {summary.states[s]} {STATE_LABEL[s]}
              </button>
            </span>
          ))}
        </p>
        <LiveStatus updatedAt={q.dataUpdatedAt} error={q.isError ? q.error : null} fetching={q.isFetching} />
      </div>
      {summary.sites.length > 0 && (
        <DataTable
          testId="fleet-sites"
          className="small"
          filter={false}
          caption={<span className="sr-only">Members per site</span>}
          columns={['site', 'clusters', 'members', 'answering', 'down', 'unknown / not polled', 'stale'].map((label, i) => ({ label, sortable: true, numeric: i > 0 }))}
          empty={null}
          rows={summary.sites.map((s) => ({
            key: s.site,
            attrs: { 'data-testid': `fleet-site-${s.site}` },
            sort: [s.site, s.clusters, s.members, s.ok, s.down, s.unknown, s.stale],
            cells: [
              <button key="s" type="button" className="link" aria-pressed={filters.site === s.site} onClick={() => set({ site: filters.site === s.site ? '' : s.site })}>
                {s.site}
              </button>,
              s.clusters,
              s.members,
              s.ok,
              <span key="d" className={s.down ? 'bad-text' : undefined}>{s.down}</span>,
              s.unknown,
              <span key="st" className={s.stale ? 'stale' : undefined}>{s.stale}</span>,
            ],
          }))}
        />
      )}
      <form
        className="row align-end"
        role="search"
        aria-label="Filter clusters"
        onSubmit={(e) => {
          e.preventDefault();
          set({ q: text.trim() });
        }}
      >
        <label className="field">
          state
          <select value={filters.state} onChange={(e) => set({ state: e.target.value })}>
            <option value="">any</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {STATE_LABEL[s]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          site
          <select value={filters.site} onChange={(e) => set({ site: e.target.value })}>
            <option value="">any</option>
            {siteNames.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          name contains
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <button type="submit" className="btn">
          Filter
        </button>
        {!unfiltered && (
          <button
            type="button"
            className="btn"
            onClick={() => {
              setText('');
              setFilters(NO_FILTERS);
            }}
          >
            Clear
          </button>
        )}
      </form>
      {summary.clusters === 0 ? (
        <div className="card">
          <p>No clusters are registered yet.</p>
          <p className="muted">
            An admin registers one at <Link href="/clusters/new">Register a cluster</Link> or with <code>POST /api/v1/clusters</code>.
          </p>
        </div>
      ) : (
        <>
          <p className="muted small" data-testid="fleet-shown">
            {unfiltered ? 'showing' : 'matching the filter:'} {clusters.length} of {total}, worst first
          </p>
          {clusters.length > 0 && (
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
          {q.hasNextPage && (
            <p>
              <button type="button" className="btn" disabled={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>
                {q.isFetchingNextPage ? 'Loading…' : `Show ${Math.min(FLEET_PAGE, total - clusters.length)} more`}
              </button>
            </p>
          )}
        </>
      )}
    </div>
  );
}

function ClusterRow({ cluster: c, sites }: { cluster: TClusterListItem; sites: string[] }) {
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
              <dd>{c.contexts.join(', ')}</dd>
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

function MemberChip({ m }: { m: TClusterListMember }) {
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
