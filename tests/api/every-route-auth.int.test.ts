import { afterAll, describe, expect, it } from 'vitest';
import { inRequestScope } from '../support/next-request-scope';
import { methodsOf, paramNames, routeFiles, urlOf, type THandler } from '../support/api-routes';
import { disconnectDb } from '@/lib/base/db';

// Every route under app/api is found on disk, so a new route cannot slip through unprotected.
// Public: /api/health, /api/v1/openapi.json, next-auth's /api/auth/*. /api/metrics is allowed from
// VAKT_METRICS_ALLOW addresses (a request with no client address is not one of them).
const PUBLIC = new Set(['/api/health', '/api/v1/openapi.json']);

const dummy = (p: string) => `x-${p}`;
const paramsOf = (file: string) => Object.fromEntries(paramNames(file).map((p) => [p, dummy(p)]));

afterAll(disconnectDb);

const files = routeFiles();

describe('authentication on every API route', () => {
  it('finds the routes', () => expect(files.length).toBeGreaterThanOrEqual(20));

  for (const file of files) {
    const url = urlOf(file, dummy);
    it(`${url}: every method answers 401 (JSON error shape) without credentials${PUBLIC.has(url) ? ' — or is public' : ''}`, async () => {
      const mod = (await import(file)) as Record<string, unknown>;
      const methods = await methodsOf(file);
      expect(methods.length).toBeGreaterThan(0);
      for (const m of methods) {
        const res = await inRequestScope(url, () =>
          (mod[m] as THandler)(
            new Request(`http://localhost:3000${url}`, { method: m, headers: { 'content-type': 'application/json' }, body: m === 'GET' ? undefined : '{}' }),
            { params: Promise.resolve(paramsOf(file)) },
          ),
        );
        if (PUBLIC.has(url)) {
          expect(res.status, `${m} ${url}`).toBeLessThan(500);
          continue;
        }
        expect(res.status, `${m} ${url}`).toBe(401);
        const body = await res.json();
        expect(body.error.code, `${m} ${url}`).toBe('UNAUTHENTICATED');
        expect(typeof body.error.message).toBe('string');
      }
    });
  }

  it('a bearer token that is not valid is refused the same way', async () => {
    const mod = await import('@/app/api/v1/contexts/route');
    const res = await inRequestScope('/api/v1/contexts', () =>
      mod.GET(new Request('http://localhost:3000/api/v1/contexts', { headers: { authorization: 'Bearer vakt_not-a-real-token-000000000000' } }), { params: Promise.resolve({}) }),
    );
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('UNAUTHENTICATED');
  });
});
