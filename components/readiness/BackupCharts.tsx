'use client';
import { formatBound, formatDuration } from '@/components/lib/format';
import { Chart, type TChartRow } from '@/components/ui/Chart';
import { ageRows } from './backup-age';

// The backups page's charts: the newest backup's age over time (a saw-tooth: it grows until the next
// backup finishes) against the declared full-backup interval, and each successful drill's restore
// time against the RTO bound.

type TDrillPoint = { id: string; createdAt: string; restoreSeconds: number | null };

export function BackupCharts({ stoppedAt, nowMs, fullIntervalHours, drills, rtoBoundSeconds }: { stoppedAt: string[]; nowMs: number; fullIntervalHours: number | null; drills: TDrillPoint[]; rtoBoundSeconds: number | null }) {
  const ages = ageRows(stoppedAt, nowMs);
  const maxAge = fullIntervalHours === null ? null : Math.round(fullIntervalHours * 3600);
  const done = drills.filter((d) => d.restoreSeconds !== null).reverse();
  const drillRows: TChartRow[] = done.map((d) => ({ t: Date.parse(d.createdAt), restore: d.restoreSeconds }));
  const latestAge = ages.at(-1)?.age ?? null;
  const latestDrill = done.at(-1)?.restoreSeconds ?? null;
  return (
    <div className="charts">
      <Chart
        title={`Newest backup's age${maxAge !== null ? ` against the policy (a full backup every ${formatBound(maxAge)})` : ''}`}
        testId="chart-backup-age"
        rows={ages}
        series={['age']}
        format={formatDuration}
        bound={maxAge === null ? null : { value: maxAge, label: `max ${formatBound(maxAge)}` }}
        summary={`The newest backup is ${formatDuration(latestAge)} old${maxAge !== null ? `; the policy allows ${formatBound(maxAge)}` : '; no declared interval'}.`}
        empty="No backup in the repository yet: the chart starts with the first one."
      />
      <Chart
        title={`Restore drill times${rtoBoundSeconds !== null ? ` against the RTO bound (${formatBound(rtoBoundSeconds)})` : ''}`}
        testId="chart-drill-durations"
        rows={drillRows}
        series={['restore']}
        bars
        xLabel={(r) => new Date(r.t).toISOString().slice(5, 16).replace('T', ' ')}
        format={formatDuration}
        bound={rtoBoundSeconds === null ? null : { value: rtoBoundSeconds, label: `RTO ${formatBound(rtoBoundSeconds)}` }}
        summary={`The latest drill restored in ${formatDuration(latestDrill)}${rtoBoundSeconds !== null ? `; the RTO bound is ${formatBound(rtoBoundSeconds)}` : '; no RTO bound declared'} (${done.length} measured).`}
        empty="No measured restore drill yet: run one from the cluster page; until one succeeds the backups are not trusted."
      />
    </div>
  );
}
