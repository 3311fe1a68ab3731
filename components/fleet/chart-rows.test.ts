import { describe, expect, it } from 'vitest';
import type { TClusterHistory } from '@/lib/registry/read-clusters';
import { toRows, type TLive } from './chart-rows';

const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, s)).toISOString();
const point = (s: number, role: string, lagBytes: number | null) => ({ at: at(s), status: 'ok', role, lagBytes, lagSeconds: null, freeBytes: null, totalBytes: null });
const live = (name: string, role: 'primary' | 'replica', s: number | null, lagBytes: number | null, stale = false): TLive => ({ name, role, lagBytes, lagSeconds: null, freeBytes: null, totalBytes: null, observedAt: s === null ? null : at(s), stale });
const history = (members: TClusterHistory['members']): TClusterHistory => ({ sinceMinutes: 60, members });
const lag = (p: { role: string; lagBytes: number | null }) => (p.role === 'replica' ? p.lagBytes : null);

describe('toRows (cluster charts)', () => {
  it.each<[string, TClusterHistory, TLive[], Array<Record<string, number>>, string[]]>([
    ['nothing stored, nothing observed: no row', history([{ name: 'b', points: [] }]), [live('b', 'replica', null, null)], [], []],
    ['nothing stored yet: the current observation is the first point', history([{ name: 'b', points: [] }]), [live('b', 'replica', 3, 10)], [{ t: Date.parse(at(3)), b: 10 }], ['b']],
    [
      'one stored sample + a newer observation: two points',
      history([{ name: 'b', points: [point(0, 'replica', 5)] }]),
      [live('b', 'replica', 4, 7)],
      [{ t: Date.parse(at(0)), b: 5 }, { t: Date.parse(at(4)), b: 7 }],
      ['b'],
    ],
    ['an observation no newer than the last sample adds nothing', history([{ name: 'b', points: [point(4, 'replica', 5)] }]), [live('b', 'replica', 4, 9)], [{ t: Date.parse(at(4)), b: 5 }], ['b']],
    ['a stale observation adds nothing', history([{ name: 'b', points: [point(0, 'replica', 5)] }]), [live('b', 'replica', 9, 9, true)], [{ t: Date.parse(at(0)), b: 5 }], ['b']],
    [
      'members share rows by time; a primary has no lag series',
      history([{ name: 'a', points: [point(0, 'primary', null)] }, { name: 'b', points: [point(0, 'replica', 1), point(15, 'replica', 2)] }]),
      [live('a', 'primary', 16, null), live('b', 'replica', 16, 3)],
      [{ t: Date.parse(at(0)), b: 1 }, { t: Date.parse(at(15)), b: 2 }, { t: Date.parse(at(16)), b: 3 }],
      ['b'],
    ],
  ])('%s', (_name, h, members, rows, series) => {
    const r = toRows(h, members, lag);
    expect(r.rows).toEqual(rows);
    expect(r.series).toEqual(series);
  });

  it('latest is the newest value per member (the text fallback)', () => {
    const r = toRows(history([{ name: 'b', points: [point(0, 'replica', 5)] }]), [live('b', 'replica', 4, 7)], lag);
    expect([...r.latest]).toEqual([['b', 7]]);
  });
});
