import { describe, expect, it } from 'vitest';
import { AppError } from '@/lib/base/errors';
import { assertSameOrigin } from './session';
import { clientAddress } from './throttle';

describe('assertSameOrigin (cookie-authenticated mutations)', () => {
  const h = (o: Record<string, string>) => new Headers(o);
  it.each([
    ['same origin', { host: 'vakt.example:3000', origin: 'http://vakt.example:3000' }, true],
    ['https same host', { host: 'vakt.example', origin: 'https://vakt.example' }, true],
    ['foreign origin', { host: 'vakt.example', origin: 'https://evil.example' }, false],
    ['missing origin', { host: 'vakt.example' }, false],
    ['origin "null"', { host: 'vakt.example', origin: 'null' }, false],
    ['port differs', { host: 'vakt.example:3000', origin: 'http://vakt.example:3001' }, false],
  ])('%s', (_n, headers, ok) => {
    const run = () => assertSameOrigin(h(headers as Record<string, string>));
    if (ok) expect(run).not.toThrow();
    else {
      expect(run).toThrow(AppError);
      try {
        run();
      } catch (e) {
        expect((e as AppError).status).toBe(403);
      }
    }
  });
});

describe('clientAddress', () => {
  it('uses the hop added by the nearest proxy unless told to trust the first', () => {
    const headers = new Headers({ 'x-forwarded-for': '203.0.113.9, 10.0.0.2' });
    expect(clientAddress(headers, false)).toBe('10.0.0.2');
    expect(clientAddress(headers, true)).toBe('203.0.113.9');
    expect(clientAddress(new Headers(), false)).toBe('unknown');
    expect(clientAddress({ 'x-forwarded-for': '198.51.100.1' }, false)).toBe('198.51.100.1');
  });
});
