'use client';
import { useQuery } from '@tanstack/react-query';
import type { TPromotionListItem } from '@/lib/promotion/list-promotions';
import { fetchJson } from '@/components/lib/fetch-json';
import { formatDuration } from '@/components/lib/format';
import { useLiveRefetchMs } from '@/components/lib/live-stream';
import { Chart, type TChartRow } from '@/components/ui/Chart';

// The measured write gap of each planned switchover of a cluster (stop requested -> the new primary
// accepting writes), oldest first, from the stored promotion requests (GET …/promotions).

export function SwitchoverGapChart({ cluster }: { cluster: string }) {
  const q = useQuery({
    queryKey: ['promotions', 'cluster', cluster],
    queryFn: ({ signal }) => fetchJson<{ promotions: TPromotionListItem[] }>(`/api/v1/clusters/${encodeURIComponent(cluster)}/promotions`, { signal }),
    refetchInterval: useLiveRefetchMs(),
  });
  const measured = (q.data?.promotions ?? []).filter((p) => p.kind === 'switchover' && p.writeGapMs !== null).reverse();
  const rows: TChartRow[] = measured.map((p) => ({ t: Date.parse(p.createdAt), gap: p.writeGapMs! / 1000 }));
  const last = measured.at(-1);
  return (
    <Chart
      title="Write gap of each switchover"
      testId="chart-write-gap"
      rows={rows}
      series={['gap']}
      bars
      xLabel={(r) => new Date(r.t).toISOString().slice(5, 16).replace('T', ' ')}
      format={formatDuration}
      summary={last ? `The latest switchover (to ${last.candidate}, ${last.outcome ?? 'running'}) stopped writes for ${formatDuration(last.writeGapMs! / 1000)}; ${measured.length} measured.` : ''}
      empty={q.isPending ? 'Reading the switchovers…' : 'No switchover measured on this cluster yet: a planned switchover records how long writes stopped.'}
    />
  );
}
