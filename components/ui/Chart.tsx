'use client';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatClock } from '@/components/lib/format';

// The console's one chart: a figure with its caption (the accessible name), a line chart over time
// (one series per member) or a bar chart per record, an optional bound drawn as a dashed reference
// line, and always a text fallback — the latest values in words — so nothing is picture or colour only.

const COLORS = ['#1f5fbf', '#c2410c', '#15803d', '#7c3aed', '#b91c1c', '#0e7490', '#a16207', '#be185d'];
export const seriesColor = (i: number) => COLORS[Math.max(0, i) % COLORS.length];

export type TChartRow = { t: number } & Record<string, number | null>;
export type TChartBound = { value: number; label: string };

export function Chart({
  title,
  testId,
  rows,
  series,
  format,
  summary,
  bound,
  bars = false,
  xLabel,
  colorOf = (s) => seriesColor(series.indexOf(s)),
  empty,
}: {
  title: string;
  testId: string;
  rows: TChartRow[];
  series: string[];
  format: (n: number) => string;
  /** the text fallback: the latest value(s) in words */
  summary: string;
  bound?: TChartBound | null;
  /** bars per record (x = the row's `label`), not a line over time */
  bars?: boolean;
  xLabel?: (row: TChartRow, i: number) => string;
  colorOf?: (name: string) => string;
  /** what to show with no point at all */
  empty: string;
}) {
  const max = Math.max(bound?.value ?? 0, ...rows.flatMap((r) => series.map((s) => r[s] ?? 0)));
  const yDomain: [number, number] = [0, max > 0 ? max * 1.1 : 1];
  const common = (
    <>
      <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
      <YAxis tickFormatter={(v: number) => format(v)} width={76} fontSize={12} domain={yDomain} allowDecimals={max > 0} />
      <Legend />
      {bound && <ReferenceLine y={bound.value} stroke="#b71c1c" strokeDasharray="6 4" strokeWidth={2} label={{ value: bound.label, position: 'insideTopRight', fontSize: 12, fill: '#b71c1c' }} ifOverflow="extendDomain" />}
    </>
  );
  return (
    <figure className="chart card" data-testid={testId} data-points={rows.length}>
      <figcaption>
        <h3 className="flush">{title}</h3>
        <p className="small flush" data-testid={`${testId}-summary`}>
          {rows.length ? summary : empty}
        </p>
      </figcaption>
      {rows.length > 0 && (
        // the picture is hidden from screen readers (the caption says the same in words), so it must hold
        // nothing focusable: recharts' keyboard layer is off
        <div aria-hidden="true">
          <ResponsiveContainer width="100%" height={220}>
            {bars ? (
              <BarChart accessibilityLayer={false} data={rows.map((r, i) => ({ ...r, x: xLabel ? xLabel(r, i) : String(i + 1) }))} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
                <XAxis dataKey="x" fontSize={12} />
                {common}
                <Tooltip formatter={(v) => (typeof v === 'number' ? format(v) : String(v))} />
                {series.map((s) => (
                  <Bar key={s} dataKey={s} fill={colorOf(s)} isAnimationActive={false} />
                ))}
              </BarChart>
            ) : (
              <LineChart accessibilityLayer={false} data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
                <XAxis dataKey="t" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={(t: number) => formatClock(new Date(t).toISOString())} minTickGap={40} fontSize={12} />
                {common}
                <Tooltip labelFormatter={(t) => formatClock(new Date(Number(t)).toISOString())} formatter={(v) => (typeof v === 'number' ? format(v) : String(v))} />
                {series.map((s) => (
                  // one point alone is a dot; from two on, a line
                  <Line key={s} type="monotone" dataKey={s} stroke={colorOf(s)} dot={rows.length < 3} isAnimationActive={false} connectNulls strokeWidth={2} />
                ))}
              </LineChart>
            )}
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}
