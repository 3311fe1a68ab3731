// Which history tier a chart reads, for which part of its range (pure; table-tested in
// history-plan.test.ts). Tiers, finest first: raw samples, per-minute rollups, hourly rollups.
// A chart of `bucketMs` per point reads the coarsest tier whose step fits in one bucket; the part of
// the range not yet rolled into that tier (its newest minutes) comes from finer tiers, and the part
// older than that tier keeps comes from coarser ones. So a 30-day chart reads hourly rows (720 per
// member), a 1-hour chart raw samples, and the newest point is always the newest sample.

export type THistoryTierName = 'raw' | 'minute' | 'hour';
export type THistoryTier = {
  name: THistoryTierName;
  /** bucket length (raw: 0) */
  stepMs: number;
  /** how long the tier is kept */
  keepMs: number;
  /** end of the newest bucket rolled into this tier (epoch ms); null = nothing rolled yet; raw: ignored (always current) */
  rolledUntil: number | null;
};
/** rows of `tier` whose time (a bucket's start) is in [from, to) */
export type THistorySegment = { tier: THistoryTierName; from: number; to: number };

const span = (tier: THistoryTierName, from: number, to: number): THistorySegment[] => (to > from ? [{ tier, from, to }] : []);

/**
 * Segments (newest first) that together cover [from, to] once. `tiers` finest first; the first is
 * raw. `to` itself is included in the newest segment (its end is to + 1 ms).
 */
export function planHistoryRead(o: { from: number; to: number; bucketMs: number; tiers: THistoryTier[] }): THistorySegment[] {
  const { from, to, tiers } = o;
  if (!tiers.length || tiers[0].stepMs !== 0) throw new Error('planHistoryRead: the first tier must be raw (step 0)');
  // the end each tier is current until: raw up to now, a rollup tier up to its newest rolled bucket
  const until = tiers.map((t, k) => (k === 0 ? to + 1 : (t.rolledUntil ?? -Infinity)));
  let p = 0;
  tiers.forEach((t, k) => {
    if (t.stepMs <= o.bucketMs) p = k;
  });
  const out: THistorySegment[] = [];
  // the tail not yet rolled into the chosen tier: finer tiers, newest from raw
  for (let k = 0; k < p; k++) out.push(...span(tiers[k].name, Math.max(from, until[k + 1], ...until.slice(k + 2, p + 1)), Math.min(to + 1, until[k])));
  // the chosen tier, as far back as it is kept
  let lower = Math.max(from, to - tiers[p].keepMs);
  out.push(...span(tiers[p].name, lower, Math.min(to + 1, until[p])));
  // older than the chosen tier keeps: coarser tiers
  for (let k = p + 1; k < tiers.length && lower > from; k++) {
    const next = Math.max(from, to - tiers[k].keepMs);
    out.push(...span(tiers[k].name, next, Math.min(lower, until[k])));
    lower = Math.min(lower, next);
  }
  return out;
}
