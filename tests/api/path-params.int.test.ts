import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inRequestScope } from '../support/next-request-scope';
import { methodsOf, paramNames, routeFiles, urlOf, type THandler } from '../support/api-routes';
import { disconnectDb } from '@/lib/base/db';
import { cliActor } from '@/lib/auth/actor';
import { createApiToken } from '@/lib/auth/tokens';
import { createSite } from '@/lib/registry/sites';
import { registerCluster } from '@/lib/registry/register-cluster';
import { PATH_PARAM_MAX } from '@/lib/api/params';

// Every route under app/api with a [param] is found on disk (as in every-route-auth.int.test.ts) and
// called by an admin with a path parameter that cannot be a name: 404 in the JSON error shape, never
// 500 (a NUL byte used to reach PostgreSQL, which refuses it). Then the 400 of an unparseable body.
const files = routeFiles();
const withParams = files.filter((f) => paramNames(f).length > 0);
// a person's act (a signed-in session, never a token): an API token is refused with 403 before the body is read
const SESSION_ONLY = new Set(['/api/v1/promotions/{id}/approvals', '/api/v1/clusters/{name}/members/{member}/rejoin/{id}/approvals']);
// a path value of the right shape (a declaration version is a number: anything else names nothing, 404 before the body)
const sampleParam = (p: string) => (p === 'version' ? '1' : `x-${p}`);
const templateOf = (file: string) => urlOf(file, (p) => `{${p}}`).replace(/%7B(\w+)%7D/g, '{$1}');

let token: string;
beforeAll(async () => {
  token = (await createApiToken({ actor: cliActor(), input: { name: `pp-${randomBytes(4).toString('hex')}`, role: 'admin' } })).token;
});
afterAll(disconnectDb);

async function call(file: string, method: string, params: Record<string, string>, url: string, body?: string) {
  const mod = (await import(file)) as Record<string, unknown>;
  const res = await inRequestScope(url, () =>
    (mod[method] as THandler)(
      new Request(`http://localhost:3000${url}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body }),
      { params: Promise.resolve(params) },
    ),
  );
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const BAD: [string, string][] = [
  ['a NUL byte', 'ctx\u0000x'],
  ['a percent-encoded NUL byte', 'ctx%00x'],
  ['an over-long value', 'a'.repeat(PATH_PARAM_MAX + 1)],
  ['a space', 'ctx x'],
  ['a path separator', '../etc'],
  ['a non-ASCII letter', 'kø'],
  ['a quote', "x'or'1"],
  ['a malformed percent escape', 'x%E0%A4%A'],
];

describe('path parameters that cannot be a name', () => {
  it('finds the routes with a [param]', () => expect(withParams.length).toBeGreaterThanOrEqual(10));

  for (const file of withParams) {
    it.each(BAD)(`${templateOf(file)}: every method answers 404 (JSON error shape) to %s`, async (_what, value) => {
      const methods = await methodsOf(file);
      expect(methods.length).toBeGreaterThan(0);
      const params = Object.fromEntries(paramNames(file).map((p) => [p, value]));
      for (const m of methods) {
        const r = await call(file, m, params, urlOf(file, () => value), m === 'GET' ? undefined : '{}');
        expect(r.status, `${m} ${templateOf(file)}: ${JSON.stringify(r.body)}`).toBe(404);
        expect(r.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
      }
    });
  }

  it('a parameter is decoded once, the same way on every route: an encoded cluster name finds the cluster', async () => {
    const site = `pp-site-${randomBytes(3).toString('hex')}`;
    await createSite({ actor: cliActor(), input: { name: site } });
    const name = `pp-c-${randomBytes(3).toString('hex')}`;
    // nothing listens on port 9 (discard): the cluster is registered, never observed
    await registerCluster({ actor: cliActor(), input: { name, kind: 'vakt-agent', members: [{ name: 'm1', site, agentUrl: 'http://127.0.0.1:9', agentToken: 'agent-token' }] } });
    const encoded = name.replace(/-/g, '%2D');
    for (const sub of ['', '/safety', '/promotions']) {
      const file = path.resolve(`app/api/v1/clusters/[name]${sub}/route.ts`);
      const r = await call(file, 'GET', { name: encoded }, `/api/v1/clusters/${encoded}${sub}`);
      expect(r.status, `GET /api/v1/clusters/{name}${sub}: ${JSON.stringify(r.body)}`).toBe(200);
    }
  });
});

describe('a body that cannot be parsed', () => {
  const writes = files.filter((f) => /export\s+const\s+(POST|PUT|PATCH|DELETE)\b/.test(fs.readFileSync(f, 'utf8')));
  it('finds the routes that take a body', () => expect(writes.length).toBeGreaterThanOrEqual(8));
  for (const file of writes) {
    const template = templateOf(file);
    it(`${template}: every method with a body answers 400 BAD_REQUEST to malformed JSON${SESSION_ONLY.has(template) ? ' (a token: 403 first)' : ''}`, async () => {
      const methods = (await methodsOf(file)).filter((m) => m !== 'GET');
      expect(methods.length).toBeGreaterThan(0);
      const params = Object.fromEntries(paramNames(file).map((p) => [p, sampleParam(p)]));
      for (const m of methods) {
        const r = await call(file, m, params, urlOf(file, sampleParam), '{"name": ');
        if (SESSION_ONLY.has(template)) {
          expect(r.status, `${m} ${template}`).toBe(403);
          continue;
        }
        expect(r.status, `${m} ${template}: ${JSON.stringify(r.body)}`).toBe(400);
        expect(r.body).toEqual({ error: { code: 'BAD_REQUEST', message: expect.stringMatching(/not valid JSON/) } });
      }
    });
  }
});
