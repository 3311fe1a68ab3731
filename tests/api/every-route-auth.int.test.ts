import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inRequestScope } from '../support/next-request-scope';
import { disconnectDb } from '@/lib/base/db';

// Every route under app/api is found on disk, so a new route cannot slip through unprotected.
// Public: /api/health, /api/v1/openapi.json, next-auth's /api/auth/*. /api/metrics is allowed from
// VAKT_METRICS_ALLOW addresses (a request with no client address is not one of them).
const PUBLIC = new Set(['/api/health', '/api/v1/openapi.json']);
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function routes(dir = path.resolve('app/api')): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return routes(p);
    return e.name === 'route.ts' ? [p] : [];
  });
}
const urlOf = (file: string) =>
  '/' + path.relative(path.resolve('app'), path.dirname(file)).split(path.sep).map((s) => s.replace(/^\[(\w+)\]$/, 'x-$1')).join('/');
const paramsOf = (file: string) =>
  Object.fromEntries([...path.relative(path.resolve('app'), file).matchAll(/\[(\w+)\]/g)].map((m) => [m[1], `x-${m[1]}`]));

afterAll(disconnectDb);

const files = routes().filter((f) => !f.includes(`${path.sep}auth${path.sep}[...nextauth]`));

describe('authentication on every API route', () => {
  it('finds the routes', () => expect(files.length).toBeGreaterThanOrEqual(20));

  for (const file of files) {
    const url = urlOf(file);
    it(`${url}: every method answers 401 (JSON error shape) without credentials${PUBLIC.has(url) ? ' — or is public' : ''}`, async () => {
      const mod = (await import(file)) as Record<string, unknown>;
      const methods = METHODS.filter((m) => typeof mod[m] === 'function');
      expect(methods.length).toBeGreaterThan(0);
      for (const m of methods) {
        const res = await inRequestScope(url, () =>
          (mod[m] as (r: Request, c: unknown) => Promise<Response>)(
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
