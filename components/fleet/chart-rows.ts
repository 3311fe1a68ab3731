// Pure: a cluster chart's rows from the stored history plus each member's current observation
// (components/fleet/ClusterCharts.tsx). Table-tested in chart-rows.test.ts.
import type { TClusterHistory, TClusterMemberView } from '@/lib/registry/read-clusters';
import type { TChartRow } from '@/components/ui/Chart';

export type TPoint = Pick<TClusterHistory['members'][number]['points'][number], 'role' | 'lagBytes' | 'lagSeconds' | 'freeBytes' | 'totalBytes'>;
export type TLive = Pick<TClusterMemberView, 'name' | 'role' | 'lagBytes' | 'lagSeconds' | 'freeBytes' | 'totalBytes' | 'observedAt' | 'stale'>;

/** One row per time, one column per member (null where it has no value); the live observation last. */
export function toRows(history: TClusterHistory, live: TLive[], value: (p: TPoint) => number | null): { rows: TChartRow[]; series: string[]; latest: Map<string, number> } {
  const byTime = new Map<number, TChartRow>();
  const series: string[] = [];
  const latest = new Map<string, number>();
  const put = (name: string, at: string | null, p: TPoint) => {
    const v = value(p);
    const t = at ? Date.parse(at) : NaN;
    if (v === null || !Number.isFinite(v) || !Number.isFinite(t)) return;
    if (!series.includes(name)) series.push(name);
    const row = byTime.get(t) ?? ({ t } as TChartRow);
    row[name] = v;
    byTime.set(t, row);
    latest.set(name, v);
  };
  for (const m of history.members) {
    const newest = m.points.at(-1)?.at;
    for (const p of m.points) put(m.name, p.at, p);
    const now = live.find((x) => x.name === m.name);
    // the current observation, when it is newer than the last stored sample and not stale
    if (now && !now.stale && now.observedAt && (!newest || Date.parse(now.observedAt) > Date.parse(newest))) put(m.name, now.observedAt, now);
  }
  return { rows: [...byTime.values()].sort((a, b) => a.t - b.t), series, latest };
}

