import { beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '@/lib/auth/actor';
import { createApiToken } from '@/lib/auth/tokens';
import { createSite } from '@/lib/registry/sites';
import * as clusters from '@/app/api/v1/clusters/route';
import * as cluster from '@/app/api/v1/clusters/[name]/route';
import * as metricsRoute from '@/app/api/metrics/route';

// The HTTP surface of clusters and metrics, called through the real route handlers.
let adminToken: string;
let viewerToken: string;
const req = (url: string, init: RequestInit & { token?: string | null } = {}) =>
  new Request(`http://localhost${url}`, {
    ...init,
    headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string>) },
  });
const noParams = { params: Promise.resolve({}) };

beforeAll(async () => {
  adminToken = (await createApiToken({ actor: systemActor(), input: { name: 'api-admin', role: 'admin' } })).token;
  viewerToken = (await createApiToken({ actor: systemActor(), input: { name: 'api-viewer', role: 'viewer' } })).token;
  await createSite({ actor: systemActor(), input: { name: 'oslo' } }).catch(() => undefined);
});

describe('/api/v1/clusters', () => {
  const body = { name: 'api-c1', kind: 'vakt-agent', members: [{ name: 'a1', site: 'oslo', agentUrl: 'http://127.0.0.1:7999', agentToken: 'sekret-agent-token' }] };
  it('POST needs admin; answers 201 without the token', async () => {
    // (no credentials at all -> 401 needs a Next request scope for the session lookup: covered by e2e)
    expect((await clusters.POST(req('/api/v1/clusters', { method: 'POST', body: JSON.stringify(body), token: 'vakt_not_a_token' }), noParams)).status).toBe(401);
    expect((await clusters.POST(req('/api/v1/clusters', { method: 'POST', body: JSON.stringify(body), token: viewerToken }), noParams)).status).toBe(403);
    const r = await clusters.POST(req('/api/v1/clusters', { method: 'POST', body: JSON.stringify(body), token: adminToken }), noParams);
    expect(r.status).toBe(201);
    const text = await r.text();
    expect(text).not.toContain('sekret');
    expect(JSON.parse(text)).toMatchObject({ name: 'api-c1', kind: 'vakt-agent', epoch: 0, state: 'UNKNOWN', members: [{ name: 'a1', site: 'oslo', role: 'unknown' }], events: [] });
  });
  it('400 for bad JSON, 422 naming the field, 409 for a duplicate', async () => {
    expect((await clusters.POST(req('/api/v1/clusters', { method: 'POST', body: '{nope', token: adminToken }), noParams)).status).toBe(400);
    const bad = await clusters.POST(req('/api/v1/clusters', { method: 'POST', body: JSON.stringify({ ...body, name: 'api-c2', members: [{ ...body.members[0], site: 'mars' }] }), token: adminToken }), noParams);
    expect(bad.status).toBe(422);
    expect((await bad.json()).error.details.fields).toEqual([{ path: 'members.0.site', message: expect.stringContaining('mars') }]);
    expect((await clusters.POST(req('/api/v1/clusters', { method: 'POST', body: JSON.stringify(body), token: adminToken }), noParams)).status).toBe(409);
  });
  it('GET list and one (viewer), with optional history; 404 for an unknown cluster', async () => {
    const list = await clusters.GET(req('/api/v1/clusters?q=api-c1', { token: viewerToken }), noParams);
    expect(list.status).toBe(200);
    const arr = (await list.json()).items;
    expect(arr.find((c: { name: string }) => c.name === 'api-c1')).toBeTruthy();
    const one = await cluster.GET(req('/api/v1/clusters/api-c1?history=60', { token: viewerToken }), { params: Promise.resolve({ name: 'api-c1' }) });
    expect(one.status).toBe(200);
    const j = await one.json();
    expect(Object.keys(j.members[0])).toEqual(
      expect.arrayContaining(['name', 'site', 'role', 'reachable', 'error', 'timeline', 'lsn', 'lagBytes', 'lagSeconds', 'syncState', 'fenced', 'observedAt', 'ageSeconds']),
    );
    expect(j.history).toMatchObject({ sinceMinutes: 60, members: [{ name: 'a1', points: [] }] });
    expect(JSON.stringify(j)).not.toContain('agentToken');
    expect((await cluster.GET(req('/api/v1/clusters/nope', { token: viewerToken }), { params: Promise.resolve({ name: 'nope' }) })).status).toBe(404);
    expect((await cluster.GET(req('/api/v1/clusters/api-c1?history=abc', { token: viewerToken }), { params: Promise.resolve({ name: 'api-c1' }) })).status).toBe(422);
  });
});

describe('/api/metrics', () => {
  it('answers Prometheus text to a token or an allowed address, 401 otherwise', async () => {
    const ok = await metricsRoute.GET(req('/api/metrics', { token: viewerToken }));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await ok.text();
    for (const name of ['vakt_polls_total', 'vakt_poll_duration_seconds', 'vakt_nodes', 'vakt_cluster_state', 'vakt_poll_overdue_seconds', 'vakt_workers']) expect(text).toContain(name);
    expect(text).toMatch(/vakt_cluster_state\{cluster="api-c1",state="UNKNOWN"\} 1/);
    expect((await metricsRoute.GET(req('/api/metrics', { headers: { 'x-forwarded-for': '127.0.0.1' } }))).status).toBe(200);
    expect((await metricsRoute.GET(req('/api/metrics', { headers: { 'x-forwarded-for': '10.9.9.9' } }))).status).toBe(401);
    expect((await metricsRoute.GET(req('/api/metrics'))).status).toBe(401);
    expect((await metricsRoute.GET(req('/api/metrics', { token: 'vakt_wrong' }))).status).toBe(401);
  });
});
