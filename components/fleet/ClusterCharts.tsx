'use client';
import type { TClusterHistory } from '@/lib/registry/read-clusters';
import { formatBound, formatBytes, formatDuration, formatPercent } from '@/components/lib/format';
import { Chart, seriesColor } from '@/components/ui/Chart';
import { freePercent } from './health';
import { toRows, type TLive, type TPoint } from './chart-rows';

// Lag (bytes, seconds) per replica with the RPO bound, and free storage per member, over the last
// hour: the stored samples, then each member's current observation as the newest point (the member
// view refreshes with every read, samples are stored at most every 15 s), so a chart has a point
// from the first poll on and never lags the table above it.

const words = (latest: Map<string, number>, format: (n: number) => string) => [...latest.entries()].map(([n, v]) => `${n} ${format(v)}`).join(', ');

export function ClusterCharts({ history, members, rpoBoundSeconds }: { history: TClusterHistory | undefined; members: TLive[]; rpoBoundSeconds: number | null }) {
  if (!history) return <p className="muted">No history available.</p>;
  const names = members.map((m) => m.name);
  const colorOf = (name: string) => seriesColor(names.indexOf(name));
  const replica = (p: TPoint, v: number | null) => (p.role === 'replica' ? v : null);
  const lagBytes = toRows(history, members, (p) => replica(p, p.lagBytes));
  const lagSeconds = toRows(history, members, (p) => replica(p, p.lagSeconds));
  const free = toRows(history, members, (p) => freePercent(p));
  const waiting = 'No sample yet: the first point appears with the first poll of a replica.';
  const rpo = rpoBoundSeconds === null ? null : { value: rpoBoundSeconds, label: `RPO ${formatBound(rpoBoundSeconds)}` };
  return (
    <div className="charts">
      <Chart title="Replication lag (bytes)" testId="chart-lag-bytes" rows={lagBytes.rows} series={lagBytes.series} format={formatBytes} colorOf={colorOf} summary={`Latest lag: ${words(lagBytes.latest, formatBytes)}.`} empty={waiting} />
      <Chart
        title={`Replication lag (seconds)${rpo ? ` against the RPO bound (${formatBound(rpo.value)})` : ''}`}
        testId="chart-lag-seconds"
        rows={lagSeconds.rows} series={lagSeconds.series}
        format={formatDuration}
        colorOf={colorOf}
        bound={rpo}
        summary={`Latest lag: ${words(lagSeconds.latest, formatDuration)}${rpo ? `; RPO bound ${formatBound(rpo.value)}` : '; no RPO bound declared'}.`}
        empty={waiting}
      />
      <Chart title="Free storage (% of the data directory's file system)" testId="chart-free-storage" rows={free.rows} series={free.series} format={formatPercent} colorOf={colorOf} summary={`Latest free storage: ${words(free.latest, formatPercent)}.`} empty="No storage figure yet: the first point appears with the first poll." />
    </div>
  );
}
