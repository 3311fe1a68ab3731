import { describe, expect, it } from 'vitest';
import { ageRows } from './backup-age';

const T = Date.UTC(2026, 11, 1, 12);
const iso = (h: number) => new Date(T + h * 3_600_000).toISOString();

describe('ageRows', () => {
  it.each<[string, string[], number, Array<[number, number]>]>([
    ['no backup: no point', [], T, []],
    ['one backup: 0 when it finished, its age now', [iso(0)], T + 2 * 3_600_000, [[T, 0], [T + 2 * 3_600_000, 7200]]],
    [
      'two backups, given newest first: the age grows to the gap, drops to 0, grows again',
      [iso(24), iso(0)],
      T + 30 * 3_600_000,
      [[T, 0], [T + 24 * 3_600_000 - 1, 86_400], [T + 24 * 3_600_000, 0], [T + 30 * 3_600_000, 21_600]],
    ],
    ['an unparsable time is skipped', ['not a time', iso(0)], T, [[T, 0], [T, 0]]],
  ])('%s', (_name, stoppedAt, nowMs, expected) => {
    expect(ageRows(stoppedAt, nowMs).map((r) => [r.t, r.age])).toEqual(expected);
  });
});
