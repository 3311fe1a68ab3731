import { describe, expect, it } from 'vitest';
import { LSN_PATTERN, ZLsn, bytesToLsn, formatLsn, isLsn, lsnBytes, lsnDiff, lsnToBigInt, lsnValue, maxLsn } from './lsn';

// Table tests for the one LSN vocabulary (docs/agent-protocol.md: LSNs travel as PostgreSQL's text form).
describe('parse and format', () => {
  it.each([
    ['0/0', 0n, '0/0'],
    ['0/3000148', 0x3000148n, '0/3000148'],
    ['16/B374D848', 0x16b374d848n, '16/B374D848'],
    ['16/b374d848', 0x16b374d848n, '16/B374D848'], // lower case parses; formatting is PostgreSQL's upper case
    ['1/0', 1n << 32n, '1/0'],
    ['0/FFFFFFFF', 0xffffffffn, '0/FFFFFFFF'],
    ['FFFFFFFF/FFFFFFFF', (1n << 64n) - 1n, 'FFFFFFFF/FFFFFFFF'],
    ['00000001/00000010', (1n << 32n) + 16n, '1/10'], // leading zeros are accepted, not kept
  ])('%s -> %s -> %s', (text, value, formatted) => {
    expect(isLsn(text)).toBe(true);
    expect(LSN_PATTERN.test(text)).toBe(true);
    expect(lsnToBigInt(text)).toBe(value);
    expect(lsnValue(text)).toBe(value);
    expect(formatLsn(value)).toBe(formatted);
    expect(lsnToBigInt(formatLsn(value))).toBe(value); // round trip
    expect(ZLsn.safeParse(text).success).toBe(true);
  });

  it.each([[0], [1], [0x3000148], [2 ** 32 - 1], [2 ** 32], [2 ** 40 + 12345], [Number.MAX_SAFE_INTEGER]])('bytesToLsn(%d) round-trips', (n) => {
    expect(lsnToBigInt(bytesToLsn(n))).toBe(BigInt(n));
  });

  it.each([
    [0x3000148, '0/3000148'],
    [2 ** 32, '1/0'],
    [-5, '0/0'], // negative clamps to 0
    [16.9, '0/10'], // fractions are dropped
  ])('bytesToLsn(%d) = %s', (n, text) => {
    expect(bytesToLsn(n)).toBe(text);
  });

  it('formatLsn refuses a negative position', () => {
    expect(() => formatLsn(-1n)).toThrow(/never negative/);
  });
});

describe('invalid input', () => {
  const invalid: unknown[] = ['', '0', '0/', '/0', '0/0/0', 'G/0', '0/G', '123456789/0', '0/123456789', ' 0/0', '0/0 ', '0x0/0', '-1/0', 'abc', null, undefined, 0, 12, {}, ['0/0']];
  it.each(invalid.map((v) => [v]))('%j is not an LSN', (v) => {
    expect(isLsn(v)).toBe(false);
    expect(ZLsn.safeParse(v).success).toBe(false);
    expect(lsnValue(v as string | null | undefined)).toBeNull(); // lsnValue: null, never throws
  });

  it.each(invalid.filter((v): v is string => typeof v === 'string').map((v) => [v]))('lsnToBigInt(%j) throws', (v) => {
    expect(() => lsnToBigInt(v)).toThrow(/not an LSN/);
  });

  it('ZLsn names the expected shape', () => {
    const r = ZLsn.safeParse('nope');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('not an LSN like 0/3000148');
  });
});

describe('differences', () => {
  it.each([
    ['0/3000148', '0/3000000', 0x148],
    ['0/3000000', '0/3000148', -0x148],
    ['1/0', '0/FFFFFFFF', 1],
    ['16/B374D848', '16/B374D848', 0],
    ['2/0', '0/0', 2 * 2 ** 32],
  ])('%s - %s = %d', (a, b, bytes) => {
    expect(lsnDiff(a, b)).toBe(bytes);
    expect(lsnBytes(a, b)).toBe(bytes);
  });

  it('lsnDiff throws on text that is not an LSN; lsnBytes answers null', () => {
    expect(() => lsnDiff('0/10', 'garbage')).toThrow(/not an LSN/);
    expect(() => lsnDiff('garbage', '0/10')).toThrow(/not an LSN/);
    expect(lsnBytes('0/10', 'garbage')).toBeNull();
    expect(lsnBytes('garbage', '0/10')).toBeNull();
    expect(lsnBytes(null, '0/10')).toBeNull();
    expect(lsnBytes('0/10', undefined)).toBeNull();
  });
});

describe('maxLsn', () => {
  it.each<[Array<string | null | undefined>, string | null]>([
    [[], null],
    [[null, undefined], null],
    [['garbage', ''], null],
    [['0/10'], '0/10'],
    [['0/10', '0/20', '0/18'], '0/20'],
    [['0/FFFFFFFF', '1/0'], '1/0'], // compares positions, not text
    [['1/0', null, 'garbage', '0/FFFFFFFF'], '1/0'], // invalid and null ignored
    [['0/a', '0/9'], '0/a'], // keeps the text as given
    [['0/20', '0/20'], '0/20'],
  ])('maxLsn(%j) = %j', (lsns, best) => {
    expect(maxLsn(lsns)).toBe(best);
  });
});
