import { describe, expect, it } from 'vitest';
import { ageSeconds, formatAge, formatBytes, formatDuration, formatPercent } from './format';

describe('formatBytes', () => {
  it.each([
    [null, '—'],
    [0, '0 B'],
    [812, '812 B'],
    [1536, '1.5 kB'],
    [23 * 1024 * 1024, '23 MB'],
    [1.25 * 1024 ** 3, '1.3 GB'],
    [-2048, '-2.0 kB'],
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
