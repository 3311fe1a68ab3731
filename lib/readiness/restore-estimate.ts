// Expected restore time of a cluster's newest backup, from measured restore drills (pure). Each
// successful drill with a measured duration gives a rate (seconds per byte restored: backup size plus
// WAL replayed); the median of the latest five is applied to what a restore would move now (the newest
// backup's size plus the WAL from its end to the newest archived segment). The basis says which drills
// and numbers were used; without a drill there is no estimate (null), never a guess.
import { toMs } from '@/lib/pg';
import type { TLiveDrill } from '@/lib/findings/live-types';

export type TRestoreEstimate = {
  /** expected seconds from the start of the restore until the instance answers; null = no measured drill */
  seconds: number | null;
  /** the drills it is based on (newest first) */
  drills: Array<{ id: string; backupLabel: string | null; finishedAt: string | null; restoreSeconds: number; bytes: number | null; external: boolean }>;
  /** bytes a restore moves now (backup size + WAL to replay); null = unknown */
  bytes: number | null;
  scaled: boolean;
  basis: string;
};

const MAX_DRILLS = 5;
const mb = (b: number) => `${Math.round(b / 1e5) / 10} MB`;
const r1 = (n: number) => Math.round(n * 10) / 10;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function estimateRestore(o: { drills: TLiveDrill[]; sizeBytes: number | null | undefined; walToReplayBytes: number | null | undefined }): TRestoreEstimate {
  const measured = o.drills
    .filter((d) => d.status === 'SUCCEEDED' && typeof d.restoreSeconds === 'number' && d.restoreSeconds > 0)
    .sort((a, b) => (toMs(b.finishedAt) ?? 0) - (toMs(a.finishedAt) ?? 0))
    .slice(0, MAX_DRILLS)
    .map((d) => ({
      id: d.id,
      backupLabel: d.backupLabel,
      finishedAt: d.finishedAt ? new Date(d.finishedAt).toISOString() : null,
      restoreSeconds: d.restoreSeconds!,
      bytes: typeof d.backupSizeBytes === 'number' && d.backupSizeBytes > 0 ? d.backupSizeBytes + (d.walReplayBytes ?? 0) : null,
      external: d.external,
    }));
  const bytes = typeof o.sizeBytes === 'number' && o.sizeBytes > 0 ? o.sizeBytes + (o.walToReplayBytes ?? 0) : null;
  if (!measured.length) return { seconds: null, drills: [], bytes, scaled: false, basis: 'no successful restore drill with a measured duration yet: run a drill to measure it' };
  const sized = measured.filter((d) => d.bytes !== null);
  if (bytes !== null && sized.length) {
    const rate = median(sized.map((d) => d.restoreSeconds / d.bytes!));
    const seconds = r1(rate * bytes);
    return {
      seconds,
      drills: measured,
      bytes,
      scaled: true,
      basis: `${sized.length} drill(s) (latest ${sized[0].backupLabel ?? sized[0].id}: ${mb(sized[0].bytes!)} in ${r1(sized[0].restoreSeconds)} s), median ${r1(1 / rate / 1e6)} MB/s; now ${mb(o.sizeBytes!)} backup + ${mb(o.walToReplayBytes ?? 0)} WAL to replay`,
    };
  }
  const seconds = r1(median(measured.map((d) => d.restoreSeconds)));
  return { seconds, drills: measured, bytes, scaled: false, basis: `median of ${measured.length} measured drill(s), not scaled (${bytes === null ? 'the backup size is unknown' : 'the drills carry no size'})` };
}
