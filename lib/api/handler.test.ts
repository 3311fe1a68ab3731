import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '@/lib/base/errors';
import { bearerToken } from '@/lib/auth/tokens';
import { withApi, type TRouteContext } from './handler';
import { PATH_PARAM_MAX, ZNameParams } from './params';

// withApi's edge, without credentials (role 'public' skips the session and token lookup).
const call = async (h: (r: Request, c?: TRouteContext) => Promise<Response>, url: string, init: RequestInit & { params?: Record<string, string> } = {}) => {
  const res = await h(new Request(`http://localhost${url}`, init), { params: Promise.resolve(init.params ?? {}) });
  return { status: res.status, body: await res.json() };
};

describe('withApi: path parameters', () => {
  const h = withApi({ role: 'public', params: ZNameParams }, async ({ params }) => ({ name: params.name }));
  it('decodes once and hands over the typed value', async () => {
    expect(await call(h, '/x/a%2Db', { params: { name: 'a%2Db' } })).toEqual({ status: 200, body: { name: 'a-b' } });
    expect(await call(h, '/x/a.b_c-1', { params: { name: 'a.b_c-1' } })).toEqual({ status: 200, body: { name: 'a.b_c-1' } });
  });
  it.each([
    ['NUL', 'a\u0000b'],
    ['encoded NUL', 'a%00b'],
    ['over-long', 'a'.repeat(PATH_PARAM_MAX + 1)],
    ['space', 'a b'],
    ['slash', 'a%2Fb'],
    ['leading dot', '..'],
    ['malformed escape', '%E0%A4%A'],
    ['empty', ''],
  ])('%s -> 404 in the error shape', async (_w, name) => {
    const r = await call(h, '/x', { params: { name } });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });
  it('the longest allowed value passes', async () => expect((await call(h, '/x', { params: { name: 'a'.repeat(PATH_PARAM_MAX) } })).status).toBe(200));
});

describe('withApi: query and body', () => {
  const ZQ = z.strictObject({ limit: z.coerce.number().int().min(1).default(10) });
  const ZB = z.strictObject({ reason: z.string().min(3) });
  const q = withApi({ role: 'public', query: ZQ }, async ({ query }) => ({ limit: query.limit }));
  const b = withApi({ role: 'public', body: ZB }, async ({ body }) => ({ reason: body.reason }));
  const custom = withApi({ role: 'public', body: ZB, invalid: 'invalid thing' }, async () => ({}));
  const fn = withApi({ role: 'public', body: ZB, invalid: () => new AppError('VALIDATION', 'mine', { fields: [{ path: 'x', message: 'y' }] }) }, async () => ({}));
  const yaml = withApi({ role: 'public', body: ZB, readBody: async (r) => ({ reason: (await r.text()).toUpperCase() }) }, async ({ body }) => body);

  it('query: coerced and defaulted; failing -> 422 with the fields', async () => {
    expect(await call(q, '/q?limit=5')).toEqual({ status: 200, body: { limit: 5 } });
    expect(await call(q, '/q')).toEqual({ status: 200, body: { limit: 10 } });
    const bad = await call(q, '/q?limit=0&colour=1');
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('VALIDATION');
    expect(bad.body.error.message).toMatch(/^invalid input: /);
    expect(bad.body.error.details.fields.map((f: { path: string }) => f.path).sort()).toEqual(['(root)', 'limit']);
  });
  it('body: unparseable 400; failing the schema 422 (default, a message, or a function)', async () => {
    expect(await call(b, '/b', { method: 'POST', body: '{"reason": "because"}' })).toEqual({ status: 200, body: { reason: 'because' } });
    const unparseable = await call(b, '/b', { method: 'POST', body: '{nope' });
    expect(unparseable.status).toBe(400);
    expect(unparseable.body.error.code).toBe('BAD_REQUEST');
    const empty = await call(b, '/b', { method: 'POST', body: '' });
    expect(empty.status).toBe(422);
    expect(empty.body.error.details.fields).toEqual([{ path: 'reason', message: expect.any(String) }]);
    expect((await call(custom, '/b', { method: 'POST', body: '{}' })).body.error).toMatchObject({ code: 'VALIDATION', message: 'invalid thing', details: { fields: [{ path: 'reason' }] } });
    expect(await call(fn, '/b', { method: 'POST', body: '{}' })).toEqual({ status: 422, body: { error: { code: 'VALIDATION', message: 'mine', details: { fields: [{ path: 'x', message: 'y' }] } } } });
  });
  it('body: a route may bring its own reader (e.g. YAML)', async () => {
    expect(await call(yaml, '/b', { method: 'PUT', body: 'abc' })).toEqual({ status: 200, body: { reason: 'ABC' } });
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer   abc', 'abc'],
    ['Bearer', null],
    ['Bearer a b', null],
    ['Basic abc', null],
    ['', null],
  ])('%j -> %j', (header, token) => expect(bearerToken(header)).toBe(token));
});
