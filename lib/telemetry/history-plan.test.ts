import { describe, expect, it } from 'vitest';
import { planHistoryRead, type THistoryTier } from './history-plan';

const M = 60_000;
const H = 60 * M;
const D = 24 * H;
const NOW = Date.UTC(2026, 11, 1, 12, 30, 20);
// defaults: raw 6 h, minute 3 days, hour 90 days; rolled up to 12:30 (minute) and 12:00 (hour)
const tiers = (minute: number | null = Date.UTC(2026, 11, 1, 12, 30), hour: number | null = Date.UTC(2026, 11, 1, 12)): THistoryTier[] => [
  { name: 'raw', stepMs: 0, keepMs: 6 * H, rolledUntil: null },
  { name: 'minute', stepMs: M, keepMs: 3 * D, rolledUntil: minute },
  { name: 'hour', stepMs: H, keepMs: 90 * D, rolledUntil: hour },
];
const rel = (t: number) => (t === NOW + 1 ? 'now+1' : `${(t - NOW) / M} min`);
const plan = (rangeMs: number, t = tiers()) =>
  planHistoryRead({ from: NOW - rangeMs, to: NOW, bucketMs: rangeMs / 300, tiers: t }).map((s) => `${s.tier} ${rel(s.from)}..${rel(s.to)}`);

describe('planHistoryRead', () => {
  it.each([
    // a 1-hour chart (12 s buckets): raw samples only
    ['1 hour', H, tiers(), ['raw -60 min..now+1']],
    // 6 hours (72 s buckets): minute rollups, the newest 20 s from raw
    ['6 hours', 6 * H, tiers(), ['raw -0.3333333333333333 min..now+1', 'minute -360 min..-0.3333333333333333 min']],
    // 30 days (2.4 h buckets): hourly rollups; 12:00..12:30 from minutes; the newest from raw
    ['30 days', 30 * D, tiers(), ['raw -0.3333333333333333 min..now+1', 'minute -30.333333333333332 min..-0.3333333333333333 min', 'hour -43200 min..-30.333333333333332 min']],
    // 4 days (19.2 min buckets): minute rollups for the 3 days they are kept, hourly before that
    ['4 days', 4 * D, tiers(), ['raw -0.3333333333333333 min..now+1', 'minute -4320 min..-0.3333333333333333 min', 'hour -5760 min..-4320 min']],
    // nothing rolled up yet (a fresh install): raw for all of it
    ['30 days, no rollups', 30 * D, tiers(null, null), ['raw -43200 min..now+1']],
    // minutes rolled, hours not yet: minutes up to their end, raw after
    ['30 days, no hourly rollups', 30 * D, tiers(undefined, null), ['raw -0.3333333333333333 min..now+1', 'minute -43200 min..-0.3333333333333333 min']],
    // the minute rollup lags behind the hourly one (cannot overlap): raw from the hourly end
    ['6 hours, minutes behind', 6 * H, tiers(Date.UTC(2026, 11, 1, 11), Date.UTC(2026, 11, 1, 12)), ['raw -90.33333333333333 min..now+1', 'minute -360 min..-90.33333333333333 min']],
  ])('%s', (_name, range, t, expected) => {
    expect(plan(range, t)).toEqual(expected);
  });

  it('covers the range exactly once, whatever the range', () => {
    for (const range of [5 * M, H, 6 * H, 7 * H, D, 3 * D, 4 * D, 31 * D, 100 * D]) {
      const segs = planHistoryRead({ from: NOW - range, to: NOW, bucketMs: range / 300, tiers: tiers() }).sort((a, b) => a.from - b.from);
      expect(segs[0].from).toBe(Math.max(NOW - range, NOW - 90 * D));
      expect(segs.at(-1)!.to).toBe(NOW + 1);
      for (let i = 1; i < segs.length; i++) expect(segs[i].from).toBe(segs[i - 1].to);
    }
  });

  it('refuses tiers that do not start with raw', () => {
    expect(() => planHistoryRead({ from: 0, to: 1, bucketMs: 1, tiers: tiers().slice(1) })).toThrow(/raw/);
  });
});
