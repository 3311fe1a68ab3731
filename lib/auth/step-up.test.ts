import { describe, expect, it } from 'vitest';
import { reauthState } from './step-up';

const now = new Date('2026-12-01T12:00:00Z');
const s = (iso: string) => Date.parse(iso) / 1000;

describe('reauthState (OIDC step-up window)', () => {
  it.each([
    ['just now', s('2026-12-01T12:00:00Z'), 5, true],
    ['4 min 59 s ago', s('2026-12-01T11:55:01Z'), 5, true],
    ['exactly at the edge of the window', s('2026-12-01T11:55:00Z'), 5, true],
    ['one second past the window', s('2026-12-01T11:54:59Z'), 5, false],
    ['an hour ago', s('2026-12-01T11:00:00Z'), 15, false],
    ['30 s in the future (clock skew)', s('2026-12-01T12:00:30Z'), 5, true],
    ['2 min in the future (not believed)', s('2026-12-01T12:02:00Z'), 5, false],
    ['no auth_time', undefined, 5, false],
    ['zero', 0, 5, false],
    ['not a number', Number.NaN, 5, false],
  ])('%s → fresh %s', (_label, authTime, windowMinutes, fresh) => {
    expect(reauthState(authTime as number | undefined, now, windowMinutes as number).fresh).toBe(fresh);
  });

  it('names when the sign-in was and until when it counts', () => {
    expect(reauthState(s('2026-12-01T11:58:00Z'), now, 5)).toEqual({ fresh: true, authAt: '2026-12-01T11:58:00.000Z', validUntil: '2026-12-01T12:03:00.000Z', windowMinutes: 5 });
    expect(reauthState(undefined, now, 5)).toEqual({ fresh: false, authAt: null, validUntil: null, windowMinutes: 5 });
  });
});
