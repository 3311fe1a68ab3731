import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inRequestScope } from '../support/next-request-scope';
import { db, disconnectDb } from '@/lib/base/db';
import { cliActor } from '@/lib/auth/actor';
import { createApiToken } from '@/lib/auth/tokens';
import { createTeam } from '@/lib/registry/teams';
import * as classes from '@/app/api/v1/classes/route';
import * as classById from '@/app/api/v1/classes/[id]/route';
import * as sites from '@/app/api/v1/sites/route';
import * as teams from '@/app/api/v1/teams/route';
import * as contexts from '@/app/api/v1/contexts/route';
import * as contextBySlug from '@/app/api/v1/contexts/[slug]/route';
import * as declaration from '@/app/api/v1/contexts/[slug]/declaration/route';
import * as declarations from '@/app/api/v1/contexts/[slug]/declarations/route';
import * as findings from '@/app/api/v1/contexts/[slug]/findings/route';
import * as acceptRoute from '@/app/api/v1/contexts/[slug]/declarations/[version]/accept/route';
import * as rejectRoute from '@/app/api/v1/contexts/[slug]/declarations/[version]/reject/route';
import * as auditRoute from '@/app/api/v1/audit/route';
import * as openapi from '@/app/api/v1/openapi.json/route';
import * as clustersRoute from '@/app/api/v1/clusters/route';
import { createSite } from '@/lib/registry/sites';
import { refreshUntilIdle } from '@/lib/readmodel/refresh';

const sfx = () => randomBytes(4).toString('hex');
const admin = cliActor();
type THandler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
const call = async (h: unknown, method: string, path: string, opts: { token?: string; body?: string; headers?: Record<string, string>; params?: Record<string, string> } = {}) => {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await inRequestScope(path, () =>
    (h as THandler)(new Request(`http://localhost:3000${path}`, { method, headers, body: opts.body }), { params: Promise.resolve(opts.params ?? {}) }),
  );
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
};

const YAML = (slug: string, team: string, extra = '') => `apiVersion: vakt/v1
kind: RecoveryDeclaration
context: ${slug}
name: Routes test
team: ${team}
${extra}spec:
  dataOwnership: schema-per-context
  rpoClass: RPO-2
  rtoClass: RTO-2
  crossSite: required
  failover: operator-approved
  replication: { local: sync, crossSite: async }
  acceptedCrossSiteDataLossSeconds: 30
  approvalsRequired: 2
  backup: { fullIntervalHours: 24, pitr: true, walArchiving: true, retentionDays: 14, drillCadenceDays: 7 }
  runbook: |
    Fence the old primary, then promote.
  storage: { durability: replicated-block }
`;

/** The live finding of a context no registered cluster holds (live findings need no registration step). */
const notObserved = (s: string) => ({ code: 'NOT_OBSERVED', severity: 'info', source: 'live', message: `No registered cluster holds ${s}, so nothing about it is observed yet.` });

let team: string, slug: string, viewerToken: string, ownerToken: string, adminToken: string, otherOwnerToken: string;
beforeAll(async () => {
  team = `rt-${sfx()}`;
  slug = `rt-${sfx()}`;
  await createTeam({ actor: admin, name: team });
  viewerToken = (await createApiToken({ actor: admin, input: { name: `v-${sfx()}`, role: 'viewer' } })).token;
  ownerToken = (await createApiToken({ actor: admin, input: { name: `o-${sfx()}`, role: 'service-owner', teams: [team] } })).token;
  adminToken = (await createApiToken({ actor: admin, input: { name: `a-${sfx()}`, role: 'admin' } })).token;
  const other = `rt-${sfx()}`;
  await createTeam({ actor: admin, name: other });
  otherOwnerToken = (await createApiToken({ actor: admin, input: { name: `o2-${sfx()}`, role: 'service-owner', teams: [other] } })).token;
});
afterAll(() => disconnectDb());

const everyRoute: [string, unknown, string, string, Record<string, string>?][] = [
  ['GET', classes.GET, '/api/v1/classes', 'viewer'],
  ['PATCH', classById.PATCH, '/api/v1/classes/x', 'admin', { id: 'x' }],
  ['GET', sites.GET, '/api/v1/sites', 'viewer'],
  ['POST', sites.POST, '/api/v1/sites', 'admin'],
  ['GET', teams.GET, '/api/v1/teams', 'viewer'],
  ['POST', teams.POST, '/api/v1/teams', 'admin'],
  ['GET', contexts.GET, '/api/v1/contexts', 'viewer'],
  ['GET', contextBySlug.GET, '/api/v1/contexts/x', 'viewer', { slug: 'x' }],
  ['PUT', declaration.PUT, '/api/v1/contexts/x/declaration', 'service-owner', { slug: 'x' }],
  ['GET', declarations.GET, '/api/v1/contexts/x/declarations', 'viewer', { slug: 'x' }],
  ['GET', findings.GET, '/api/v1/contexts/x/findings', 'viewer', { slug: 'x' }],
  ['POST', acceptRoute.POST, '/api/v1/contexts/x/declarations/1/accept', 'admin', { slug: 'x', version: '1' }],
  ['POST', rejectRoute.POST, '/api/v1/contexts/x/declarations/1/reject', 'admin', { slug: 'x', version: '1' }],
  ['GET', auditRoute.GET, '/api/v1/audit', 'viewer'],
];

describe('/api/v1 registry routes', () => {
  it.each(everyRoute.map(([method, h, path, role, params]) => ({ method, h, path, role, params })))('$method $path answers 401 without credentials, in the JSON error shape', async ({ method, h, path, params }) => {
    const r = await call(h, method, path, { params, body: method === 'GET' ? undefined : '{}' });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
    const bad = await call(h, method, path, { params, token: 'vakt_not-a-real-token-000000000000', body: method === 'GET' ? undefined : '{}' });
    expect(bad.status).toBe(401);
  });

  it('openapi.json is public and lists every path of the map', async () => {
    const r = await call(openapi.GET, 'GET', '/api/v1/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    for (const p of ['/api/v1/classes', '/api/v1/sites', '/api/v1/teams', '/api/v1/contexts', '/api/v1/contexts/{slug}', '/api/v1/contexts/{slug}/declaration', '/api/v1/contexts/{slug}/declarations', '/api/v1/contexts/{slug}/findings', '/api/v1/clusters', '/api/v1/clusters/{name}/safety', '/api/v1/promotions/{id}/approvals', '/api/v1/audit']) {
      expect(r.body.paths[p], p).toBeDefined();
    }
    const put = r.body.paths['/api/v1/contexts/{slug}/declaration'].put;
    expect(JSON.stringify(put.requestBody)).toContain('acceptedCrossSiteDataLossSeconds');
  });

  it('an admin creates a context by PUT with a YAML body; identical re-apply is 200 with the same version', async () => {
    const r = await call(declaration.PUT, 'PUT', `/api/v1/contexts/${slug}/declaration`, { token: adminToken, params: { slug }, body: YAML(slug, team), headers: { 'content-type': 'application/yaml' } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    // clean lint; the live check reports that no registered cluster holds the context yet
    expect(r.body).toMatchObject({ version: 1, created: true, findings: [notObserved(slug)] });
    expect(r.headers.get('etag')).toBe('"1"');
    const again = await call(declaration.PUT, 'PUT', `/api/v1/contexts/${slug}/declaration`, { token: ownerToken, params: { slug }, body: YAML(slug, team), headers: { 'content-type': 'text/yaml' } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ version: 1, created: false });
  });

  it('a service owner saves JSON on the current version; an outdated base gets 409', async () => {
    const body = { spec: { ...(await call(contextBySlug.GET, 'GET', `/api/v1/contexts/${slug}`, { token: viewerToken, params: { slug } })).body.current.spec, failover: 'manual' } };
    const ok = await call(declaration.PUT, 'PUT', `/api/v1/contexts/${slug}/declaration`, { token: ownerToken, params: { slug }, body: JSON.stringify(body), headers: { 'content-type': 'application/json', 'if-match': '"1"' } });
    expect(ok.status).toBe(200);
    expect(ok.body.version).toBe(2);
    // an owner's save is a proposal (docs/api.md "Declaration lifecycle"); an admin accepts it over HTTP
    expect(ok.body.status).toBe('proposed');
    const accept = (token: string, version: string, body = '{}') =>
      call(acceptRoute.POST, 'POST', `/api/v1/contexts/${slug}/declarations/${version}/accept`, { token, params: { slug, version }, body, headers: { 'content-type': 'application/json' } });
    expect((await accept(ownerToken, '2')).status).toBe(403);
    expect((await accept(adminToken, 'two')).status).toBe(404);
    const accepted = await accept(adminToken, '2', JSON.stringify({ reason: 'reviewed' }));
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body).toMatchObject({ slug, version: 2, status: 'accepted', currentVersion: 2 });
    expect((await accept(adminToken, '2')).body.error).toMatchObject({ code: 'CONFLICT' });
    const reject = await call(rejectRoute.POST, 'POST', `/api/v1/contexts/${slug}/declarations/2/reject`, { token: adminToken, params: { slug, version: '2' }, body: JSON.stringify({ reason: 'late' }) });
    expect(reject.status).toBe(409);
    const stale = await call(declaration.PUT, 'PUT', `/api/v1/contexts/${slug}/declaration`, { token: ownerToken, params: { slug }, body: YAML(slug, team, 'baseVersion: 1\n'), headers: { 'content-type': 'application/yaml' } });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'CONFLICT', details: { currentVersion: 2 } });
  });

  it('viewer token 403 on PUT; another team 403; malformed YAML 400; unknown field 422 naming it', async () => {
    const v = await call(declaration.PUT, 'PUT', `/api/v1/contexts/${slug}/declaration`, { token: viewerToken, params: { slug }, body: YAML(slug, team) });
    expect(v.status).toBe(403);
    expect(v.body.error.code).toBe('FORBIDDEN');
    const o = await call(declaration.PUT, 'PUT', `/api/v1/contexts/${slug}/declaration`, { token: otherOwnerToken, params: { slug }, body: YAML(slug, team) });
    expect(o.status).toBe(403);
    const bad = await call(declaration.PUT, 'PUT', `/api/v1/contexts/${slug}/declaration`, { token: ownerToken, params: { slug }, body: 'spec:\n  rpoClass: [RPO-1\n', headers: { 'content-type': 'application/yaml' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BAD_REQUEST');
    expect(bad.body.error.message).toMatch(/YAML/);
    const unknown = await call(declaration.PUT, 'PUT', `/api/v1/contexts/${slug}/declaration`, { token: ownerToken, params: { slug }, body: YAML(slug, team).replace('  rpoClass: RPO-2', '  rpoClass: RPO-2\n  colour: blue') });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details.fields).toEqual([{ path: 'spec.colour', message: 'unknown field "colour"' }]);
    const wrong = await call(declaration.PUT, 'PUT', `/api/v1/contexts/${slug}/declaration`, { token: ownerToken, params: { slug }, body: YAML(slug, team).replace('retentionDays: 14', 'retentionDays: fourteen') });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.details.fields[0].path).toBe('spec.backup.retentionDays');
    const missing = await call(declaration.PUT, 'PUT', `/api/v1/contexts/missing-${sfx()}/declaration`, { token: ownerToken, params: { slug: 'missing-x' }, body: JSON.stringify({ spec: {} }) });
    expect(missing.status).toBe(422);
  });

  it('reads: classes, contexts, context, history, findings, audit with filters and cursor', async () => {
    // the routes serve the read model: the worker's round computes it (no worker runs in this file)
    await refreshUntilIdle();
    const c = await call(classes.GET, 'GET', '/api/v1/classes', { token: viewerToken });
    expect(c.body.rpo.length).toBeGreaterThanOrEqual(5);
    const list = await call(contexts.GET, 'GET', `/api/v1/contexts?q=${slug}`, { token: viewerToken });
    expect(list.body.items.find((x: { slug: string }) => x.slug === slug)).toMatchObject({ team, currentVersion: 2, failover: 'manual' });
    const one = await call(contextBySlug.GET, 'GET', `/api/v1/contexts/${slug}`, { token: viewerToken, params: { slug } });
    expect(one.body.history.map((h: { version: number }) => h.version)).toEqual([2, 1]);
    expect((await call(contextBySlug.GET, 'GET', '/api/v1/contexts/nope-nope', { token: viewerToken, params: { slug: 'nope-nope' } })).status).toBe(404);
    const hist = await call(declarations.GET, 'GET', `/api/v1/contexts/${slug}/declarations`, { token: viewerToken, params: { slug } });
    expect(hist.body.versions[0].diff).toEqual([{ path: 'failover', before: 'operator-approved', after: 'manual' }]);
    const f = await call(findings.GET, 'GET', `/api/v1/contexts/${slug}/findings`, { token: viewerToken, params: { slug } });
    expect(f.body.findings).toEqual([notObserved(slug)]);
    const a1 = await call(auditRoute.GET, 'GET', `/api/v1/audit?targetType=context&targetId=${slug}&limit=1`, { token: viewerToken });
    expect(a1.body.events).toHaveLength(1);
    expect(a1.body.events[0]).toMatchObject({ action: 'declaration.accepted', targetId: slug, actorType: 'token' });
    const a2 = await call(auditRoute.GET, 'GET', `/api/v1/audit?targetType=context&targetId=${slug}&limit=10&before=${a1.body.nextCursor}`, { token: viewerToken });
    expect(a2.body.events.map((e: { action: string }) => e.action)).toEqual(['declaration.proposed', 'declaration.created', 'context.created']);
    const badQ = await call(auditRoute.GET, 'GET', '/api/v1/audit?colour=1', { token: viewerToken });
    expect(badQ.status).toBe(422);
  });

  it('admin-only writes: sites, teams, class bound', async () => {
    const name = `site-${sfx()}`;
    expect((await call(sites.POST, 'POST', '/api/v1/sites', { token: ownerToken, body: JSON.stringify({ name }) })).status).toBe(403);
    const s = await call(sites.POST, 'POST', '/api/v1/sites', { token: adminToken, body: JSON.stringify({ name, region: 'Norway East' }) });
    expect(s.status).toBe(201);
    expect((await call(sites.POST, 'POST', '/api/v1/sites', { token: adminToken, body: JSON.stringify({ name }) })).status).toBe(409);
    expect((await call(sites.POST, 'POST', '/api/v1/sites', { token: adminToken, body: '{"name": "Bad Name"}' })).status).toBe(422);
    expect((await call(sites.GET, 'GET', '/api/v1/sites', { token: viewerToken })).body.some((x: { name: string }) => x.name === name)).toBe(true);
    const t = await call(teams.POST, 'POST', '/api/v1/teams', { token: adminToken, body: JSON.stringify({ name: `t-${sfx()}` }) });
    expect(t.status).toBe(201);
    expect((await call(teams.POST, 'POST', '/api/v1/teams', { token: adminToken, body: '{"name": "ok", "x": 1}' })).body.error.details.fields[0].path).toBe('x');
    const ts = await call(teams.GET, 'GET', '/api/v1/teams', { token: viewerToken });
    expect(ts.body.find((x: { name: string }) => x.name === team)).toMatchObject({ contextCount: 1 });
    const rto4 = (await call(classes.GET, 'GET', '/api/v1/classes', { token: viewerToken })).body.rto.find((x: { name: string }) => x.name === 'RTO-4');
    expect((await call(classById.PATCH, 'PATCH', `/api/v1/classes/${rto4.id}`, { token: ownerToken, params: { id: rto4.id }, body: '{"boundSeconds": null}' })).status).toBe(403);
    const p = await call(classById.PATCH, 'PATCH', `/api/v1/classes/${rto4.id}`, { token: adminToken, params: { id: rto4.id }, body: JSON.stringify({ boundSeconds: rto4.boundSeconds, description: 'Back within a day' }) });
    expect(p.status).toBe(200);
    expect(p.body.description).toBe('Back within a day');
  });
});

describe('GET /api/v1/contexts/{slug}/findings: live findings', () => {
  it('a context held by a registered cluster whose agent was never observed shows the live finding (no provider registration)', async () => {
    const site = `rt-site-${sfx()}`;
    await createSite({ actor: admin, input: { name: site } });
    const held = `rt-held-${sfx()}`;
    const put = await call(declaration.PUT, 'PUT', `/api/v1/contexts/${held}/declaration`, { token: adminToken, params: { slug: held }, body: YAML(held, team), headers: { 'content-type': 'application/yaml' } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const name = `rt-c-${sfx()}`;
    const reg = await call(clustersRoute.POST, 'POST', '/api/v1/clusters', {
      token: adminToken,
      headers: { 'content-type': 'application/json' },
      // nothing listens on port 9 (discard): the agent is unknown, never observed
      body: JSON.stringify({ name, kind: 'vakt-agent', contexts: [held], members: [{ name: 'm1', site, agentUrl: 'http://127.0.0.1:9', agentToken: 'agent-token' }] }),
    });
    expect(reg.status, JSON.stringify(reg.body)).toBe(201);
    await refreshUntilIdle(); // the worker's round: the route serves what it computed
    const f = await call(findings.GET, 'GET', `/api/v1/contexts/${held}/findings`, { token: viewerToken, params: { slug: held } });
    expect(f.status).toBe(200);
    const live = f.body.findings.filter((x: { source: string }) => x.source === 'live');
    expect(live).toContainEqual({ code: 'AGENT_STALE', severity: 'warning', source: 'live', message: `${name}/m1 has never been observed.` });
    expect(live).toContainEqual({ code: 'NODE_UNKNOWN', severity: 'warning', source: 'live', message: `The agent for ${name}/m1 does not answer or answers garbage (never observed); its state is unknown.` });
    expect(live.map((x: { code: string }) => x.code)).not.toContain('NOT_OBSERVED');
  });
});

describe('POST /api/v1/clusters: a Vakt agent beside a Patroni member', () => {
  const post = (body: unknown) =>
    call(clustersRoute.POST, 'POST', '/api/v1/clusters', { token: adminToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  it('is refused on a Vakt-agent cluster and needs url and token; accepted on Patroni, its token sealed and never returned', async () => {
    const site = `rt-site-${sfx()}`;
    await createSite({ actor: admin, input: { name: site } });
    const fenceAgent = { url: 'http://127.0.0.1:9', token: 'beside-secret-token' };
    const onAgent = await post({ name: `rt-fa-${sfx()}`, kind: 'vakt-agent', members: [{ name: 'm1', site, agentUrl: 'http://127.0.0.1:9', agentToken: 't', fenceAgent }] });
    expect(onAgent.status).toBe(422);
    expect(JSON.stringify(onAgent.body)).toContain("members.0.fenceAgent: only for Patroni members");
    const noToken = await post({ name: `rt-fa-${sfx()}`, kind: 'patroni', members: [{ name: 'm1', site, agentUrl: 'http://127.0.0.1:9', fenceAgent: { url: 'http://127.0.0.1:9' } }] });
    expect(noToken.status).toBe(422);
    expect(JSON.stringify(noToken.body)).toContain('members.0.fenceAgent.token');
    const outside = await post({ name: `rt-fa-${sfx()}`, kind: 'patroni', members: [{ name: 'm1', site, agentUrl: 'http://127.0.0.1:9', fenceAgent: { url: 'http://169.254.169.254', token: 't' } }] });
    expect(outside.status).toBe(422);
    expect(JSON.stringify(outside.body)).toContain('members.0.fenceAgent.url');
    const name = `rt-fa-${sfx()}`;
    const ok = await post({ name, kind: 'patroni', members: [{ name: 'm1', site, agentUrl: 'http://127.0.0.1:9', fenceAgent }] });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.members[0].fenceAgentUrl).toBe('http://127.0.0.1:9');
    expect(JSON.stringify(ok.body)).not.toContain('beside-secret-token');
    const row = await db.clusterMember.findFirstOrThrow({ where: { cluster: { name }, name: 'm1' } });
    expect(row.fenceAgentTokenEnc).toBeTruthy();
    expect(row.fenceAgentTokenEnc).not.toContain('beside-secret-token');
    const audited = await db.auditEvent.findMany({ where: { targetId: name }, select: { after: true } });
    expect(audited).toHaveLength(1);
    expect(JSON.stringify(audited)).not.toContain('beside-secret-token');
  });
});
