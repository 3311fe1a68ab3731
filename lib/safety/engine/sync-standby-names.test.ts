import { describe, expect, it } from 'vitest';
import { describeSyncStandbyNames, mayAcknowledge, parseSyncStandbyNames } from './sync-standby-names';

describe('parseSyncStandbyNames', () => {
  it.each([
    ['FIRST 1 (oslo-2, oslo-3)', null], // unquoted "-" is not an identifier character: PostgreSQL rejects it too
    ['FIRST 1 ("oslo-2", "oslo-3")', { method: 'first', num: 1, names: ['oslo-2', 'oslo-3'] }],
    ['first 2 (a,b,c)', { method: 'first', num: 2, names: ['a', 'b', 'c'] }],
    ['ANY 1 (oslo_2, bergen_1)', { method: 'any', num: 1, names: ['oslo_2', 'bergen_1'] }],
    ['  any   2 ( a , b , c )  ', { method: 'any', num: 2, names: ['a', 'b', 'c'] }],
    ['2 (a, b, c)', { method: 'first', num: 2, names: ['a', 'b', 'c'] }],
    ['a, b', { method: 'first', num: 1, names: ['a', 'b'] }],
    ['a', { method: 'first', num: 1, names: ['a'] }],
    ['*', { method: 'first', num: 1, names: '*' }],
    ['ANY 1 (*)', { method: 'any', num: 1, names: '*' }],
    ['FIRST 1 (a, *)', { method: 'first', num: 1, names: '*' }],
    ['"*"', { method: 'first', num: 1, names: '*' }],
    ['"Oslo 2", "say ""hi"""', { method: 'first', num: 1, names: ['Oslo 2', 'say "hi"'] }],
    ['"any", "first"', { method: 'first', num: 1, names: ['any', 'first'] }],
    ['FIRST 1 ("any")', { method: 'first', num: 1, names: ['any'] }],
    ['1, 2', { method: 'first', num: 1, names: ['1', '2'] }],
    ['', null],
    ['   ', null],
    ['FIRST 0 (a)', null],
    ['ANY (a, b)', null],
    ['FIRST 1 (a, b', null],
    ['FIRST 1 a, b', null],
    ['a b', null],
    ['a,', null],
    ['"unterminated', null],
    ['""', null],
    ['any', null],
    ['2abc', null],
    ['a; drop', null],
  ])('%j', (value, want) => {
    expect(parseSyncStandbyNames(value)).toEqual(want);
  });

  it('null and undefined are not configured', () => {
    expect(parseSyncStandbyNames(null)).toBeNull();
    expect(parseSyncStandbyNames(undefined)).toBeNull();
  });

  it('matches names case-insensitively, the wildcard matches everyone', () => {
    const cfg = parseSyncStandbyNames('FIRST 1 ("Oslo_2", oslo_3)')!;
    expect(mayAcknowledge(cfg, 'oslo_2')).toBe(true);
    expect(mayAcknowledge(cfg, 'OSLO_3')).toBe(true);
    expect(mayAcknowledge(cfg, 'bergen_1')).toBe(false);
    expect(mayAcknowledge(parseSyncStandbyNames('*')!, 'anyone')).toBe(true);
    expect(describeSyncStandbyNames(cfg)).toBe('FIRST 1 (Oslo_2, oslo_3)');
  });
});
