// Pure: the newest backup's age over time (components/readiness/BackupCharts.tsx): a saw-tooth that
// grows until the next backup finishes. Table-tested in backup-age.test.ts.
import type { TChartRow } from '@/components/ui/Chart';

/** Age of the newest backup just before and just after each backup finished, and now. */
export function ageRows(stoppedAt: string[], nowMs: number): TChartRow[] {
  const ts = stoppedAt.map((s) => Date.parse(s)).filter(Number.isFinite).sort((a, b) => a - b);
  const rows: TChartRow[] = [];
  ts.forEach((t, i) => {
    if (i > 0) rows.push({ t: t - 1, age: (t - ts[i - 1]) / 1000 });
    rows.push({ t, age: 0 });
  });
  if (ts.length) rows.push({ t: nowMs, age: Math.max(0, (nowMs - ts[ts.length - 1]) / 1000) });
  return rows;
}

