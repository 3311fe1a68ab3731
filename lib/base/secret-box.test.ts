import { describe, expect, it } from 'vitest';
import { openSecret, sealSecret, SecretBoxError } from './secret-box';

const K1 = 'k1-0123456789abcdef0123456789abcdef';
const K2 = 'k2-0123456789abcdef0123456789abcdef';

describe('secret-box', () => {
  it('round-trips and uses a fresh IV each time', () => {
    const a = sealSecret('s3cret token', K1);
    const b = sealSecret('s3cret token', K1);
    expect(a).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('s3cret');
    expect(openSecret(a, K1)).toBe('s3cret token');
    expect(openSecret(b, K1)).toBe('s3cret token');
    expect(openSecret(sealSecret('', K1), K1)).toBe('');
  });
  it('refuses a wrong key with a clear error', () => {
    const a = sealSecret('x', K1);
    expect(() => openSecret(a, K2)).toThrow(SecretBoxError);
    expect(() => openSecret(a, K2)).toThrow(/VAKT_SECRET_KEY differs/);
  });
  it('refuses a missing key', () => {
    expect(() => sealSecret('x', undefined)).toThrow(/VAKT_SECRET_KEY is not set/);
    expect(() => sealSecret('x', 'short')).toThrow(SecretBoxError);
  });
  it('detects tampering and unknown formats', () => {
    const a = sealSecret('hello', K1).split(':');
    const ct = Buffer.from(a[3], 'base64');
    ct[0] ^= 1;
    expect(() => openSecret([a[0], a[1], a[2], ct.toString('base64')].join(':'), K1)).toThrow(SecretBoxError);
    expect(() => openSecret('v2:a:b:c', K1)).toThrow(/unknown secret format/);
    expect(() => openSecret('plain', K1)).toThrow(/unknown secret format/);
  });
});
