import { describe, expect, it } from 'vitest';
import { ageSeconds, formatAge, formatAgo, formatBound, formatBytes, formatClock, formatDateTime, formatDuration, formatPercent, formatUtc } from './format';

describe('formatBytes', () => {
  it.each([
    [null, '—'],
    [0, '0 B'],
    [812, '812 B'],
    [1536, '1.5 KiB'],
    [23 * 1024 * 1024, '23 MiB'],
    [1.25 * 1024 ** 3, '1.3 GiB'],
    [-2048, '-2.0 KiB'],
  ])('%s -> %s', (n, out) => expect(formatBytes(n)).toBe(out));
});

describe('formatDuration', () => {
  it.each([
    [undefined, '—'],
    [0, '0 s'],
    [0.0004, '1 ms'],
    [0.25, '250 ms'],
    [1.23, '1.2 s'],
    [42.4, '42 s'],
    [75, '1 min 15 s'],
    [120, '2 min'],
    [7300, '2 h 1 min'],
    [200000, '2 d 7 h'],
  ])('%s -> %s', (s, out) => expect(formatDuration(s)).toBe(out));
});

describe('formatAge / ageSeconds / formatPercent', () => {
  it('ages', () => {
    expect(formatAge(null)).toBe('never');
    expect(formatAge(0.2)).toBe('now');
    expect(formatAge(4)).toBe('4 s ago');
    expect(formatAge(185)).toBe('3 min 5 s ago');
    expect(ageSeconds('2026-01-01T00:00:10Z', Date.parse('2026-01-01T00:00:40Z'))).toBe(30);
    expect(ageSeconds('garbage')).toBeNull();
  });
  it('percent', () => {
    expect(formatPercent(3.14159)).toBe('3.1 %');
    expect(formatPercent(57.6)).toBe('58 %');
    expect(formatPercent(null)).toBe('—');
  });
});

describe('missing values', () => {
  it('show the given text', () => {
    expect(formatBytes(null, 'unknown')).toBe('unknown');
    expect(formatDuration(undefined, 'unknown')).toBe('unknown');
    expect(formatDuration(Number.NaN)).toBe('—');
  });
});

describe('formatBound', () => {
  it.each([
    [0, '0 s'],
    [5, '5 s'],
    [90, '90 s'],
    [900, '15 min'],
    [14400, '4 h'],
    [86400, '1 d'],
  ])('%s -> %s', (s, out) => expect(formatBound(s)).toBe(out));
});

describe('formatAgo / formatUtc', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  const before = (s: number) => new Date(now.getTime() - s * 1000);
  it.each([
    [-5, 'in the future'],
    [10, 'just now'],
    [50, '50 s ago'],
    [185, '3 min ago'],
    [3 * 3600 + 60, '3 h ago'],
    [2 * 86400, '2 d ago'],
    [65 * 86400, '2 mo ago'],
    [400 * 86400, '1 y ago'],
  ])('%s s -> %s', (s, out) => expect(formatAgo(before(s), now)).toBe(out));
  it('utc', () => expect(formatUtc(now)).toBe('2026-01-01 12:00:00 UTC'));
});

describe('formatDateTime / formatClock (local time)', () => {
  it('formats', () => {
    const iso = new Date(2026, 0, 2, 15, 4, 5).toISOString();
    expect(formatDateTime(iso)).toBe('2026-01-02 15:04:05');
    expect(formatClock(iso)).toBe('15:04:05');
    expect(formatDateTime('garbage')).toBe('garbage');
  });
});
