'use client';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { TClusterHistory } from '@/lib/registry/read-clusters';
import { formatBytes, formatClock, formatDuration, formatPercent } from '@/components/lib/format';

// Lag (bytes, seconds) and free storage per member over the last hour, from the stored samples.

const COLORS = ['#1f5fbf', '#c2410c', '#15803d', '#7c3aed', '#b91c1c', '#0e7490', '#a16207', '#be185d'];

type TRow = { t: number } & Record<string, number | null>;

/** One row per sample time, one column per member (null where it has no value). */
export function toRows(history: TClusterHistory, value: (p: TClusterHistory['members'][number]['points'][number]) => number | null): { rows: TRow[]; series: string[] } {
  const byTime = new Map<number, TRow>();
  const series: string[] = [];
  for (const m of history.members) {
    let any = false;
    for (const p of m.points) {
      const v = value(p);
      if (v === null || !Number.isFinite(v)) continue;
      any = true;
      const t = Date.parse(p.at);
      const row = byTime.get(t) ?? ({ t } as TRow);
      row[m.name] = v;
      byTime.set(t, row);
    }
    if (any) series.push(m.name);
  }
  return { rows: [...byTime.values()].sort((a, b) => a.t - b.t), series };
}

function Chart({ title, rows, series, format, colorOf, testId }: { title: string; rows: TRow[]; series: string[]; format: (n: number) => string; colorOf: (name: string) => string; testId: string }) {
  return (
    <figure className="chart card" data-testid={testId}>
      <figcaption>
        <h3 className="flush">{title}</h3>
      </figcaption>
      {rows.length < 2 ? (
        <p className="muted small">Not enough samples yet: the chart fills as the worker polls.</p>
      ) : (
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
            <XAxis dataKey="t" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={(t: number) => formatClock(new Date(t).toISOString())} minTickGap={40} fontSize={12} />
            <YAxis tickFormatter={(v: number) => format(v)} width={72} fontSize={12} />
            <Tooltip labelFormatter={(t) => formatClock(new Date(Number(t)).toISOString())} formatter={(v) => (typeof v === 'number' ? format(v) : String(v))} />
            <Legend />
            {series.map((s) => (
              <Line key={s} type="monotone" dataKey={s} stroke={colorOf(s)} dot={false} isAnimationActive={false} connectNulls strokeWidth={2} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </figure>
  );
}

export function ClusterCharts({ history, memberNames }: { history: TClusterHistory | undefined; memberNames: string[] }) {
  if (!history) return <p className="muted">No history available.</p>;
  const colorOf = (name: string) => COLORS[Math.max(0, memberNames.indexOf(name)) % COLORS.length];
  const lagBytes = toRows(history, (p) => (p.role === 'replica' ? p.lagBytes : null));
  const lagSeconds = toRows(history, (p) => (p.role === 'replica' ? p.lagSeconds : null));
  const free = toRows(history, (p) => (p.freeBytes !== null && p.totalBytes ? (p.freeBytes / p.totalBytes) * 100 : null));
  return (
    <div className="charts">
      <Chart title="Replication lag (bytes)" testId="chart-lag-bytes" {...lagBytes} format={formatBytes} colorOf={colorOf} />
      <Chart title="Replication lag (seconds)" testId="chart-lag-seconds" {...lagSeconds} format={formatDuration} colorOf={colorOf} />
      <Chart title="Free storage (% of the data directory's file system)" testId="chart-free-storage" {...free} format={formatPercent} colorOf={colorOf} />
    </div>
  );
}
