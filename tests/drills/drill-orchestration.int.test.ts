import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { cliActor, systemActor } from '@/lib/auth/actor';
import { createApiToken } from '@/lib/auth/tokens';
import { registerCluster } from '@/lib/registry/register-cluster';
import { createPoller } from '@/lib/telemetry/poll-cycle';
import { requestDrill } from '@/lib/drills/request-drill';
import { runDrillOnce } from '@/lib/drills/run-drill-once';
import { getDrill } from '@/lib/drills/read-drills';
import { scheduleDrills } from '@/lib/drills/schedule-drills';
import * as clusterDrills from '@/app/api/v1/clusters/[name]/drills/route';
import * as drillHost from '@/app/api/v1/clusters/[name]/drill-host/route';
import * as drills from '@/app/api/v1/drills/route';
import * as drillById from '@/app/api/v1/drills/[id]/route';
import * as results from '@/app/api/v1/drills/results/route';
import { createPgCluster, type TPgCluster } from '@/tests/support/pg-cluster';
import { ensureSites, onlyDue } from '@/tests/support/cluster-setup';
import { declareContext, makeOperator } from '@/tests/support/promotion-support';
import { waitForDrill } from './drill-support';

// The server side of restore drills against a real cluster with a real pgBackRest repository:
// requests judged against the stored catalog, the executor on the replica's agent, the routes,
// external results, the drill host, the schedule and the CLI.

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const NAME = 'drill-c1';
const CONTEXT = 'drill-ctx';
let pg: TPgCluster;
let operatorToken: string;
let adminToken: string;
let viewerToken: string;
let label: string;

const req = (url: string, init: RequestInit & { token?: string } = {}) =>
  new Request(`http://localhost${url}`, { ...init, headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}) } });
const named = { params: Promise.resolve({ name: NAME }) };
const none = { params: Promise.resolve({}) };
const poll = async () => {
  await onlyDue(NAME);
  await createPoller({ workerId: 'drill-test-poller' }).runCycle();
};
const activeDrill = () => db.restoreDrill.findFirst({ where: { cluster: { name: NAME }, status: { in: ['QUEUED', 'RUNNING'] } } });

beforeAll(async () => {
  await ensureSites('oslo');
  await declareContext(CONTEXT);
  pg = await createPgCluster({ primary: { name: 'dp1', site: 'oslo' }, replicas: [{ name: 'dr1', site: 'oslo' }], archive: 'pgbackrest' });
  await registerCluster({
    actor: cliActor(),
    input: { name: NAME, kind: 'vakt-agent', contexts: [{ slug: CONTEXT, database: 'postgres' }], members: pg.nodes.map((n) => ({ name: n.name, site: n.site, agentUrl: n.agentUrl!, agentToken: n.agentToken! })) },
  });
  await poll();
  label = ((await pg.pgbackrest!.info()) as { backup: { label: string }[] }[])[0].backup[0].label;
  operatorToken = (await createApiToken({ actor: systemActor(), input: { name: 'drill-operator', role: 'operator' } })).token;
  adminToken = (await createApiToken({ actor: systemActor(), input: { name: 'drill-admin', role: 'admin' } })).token;
  viewerToken = (await createApiToken({ actor: systemActor(), input: { name: 'drill-viewer', role: 'viewer' } })).token;
});
afterAll(async () => {
  await pg?.cleanup();
});

describe('restore drills through Vakt', () => {
  it('an operator requests a drill (202); a second is 409; the executor runs it on the replica and records steps and result', async () => {
    const post = (body: unknown, token = operatorToken) => clusterDrills.POST(req(`/api/v1/clusters/${NAME}/drills`, { method: 'POST', body: JSON.stringify(body), token }), named);
    expect((await post({}, viewerToken)).status).toBe(403);
    const r = await post({});
    expect(r.status).toBe(202);
    const { id, status } = await r.json();
    expect(status).toBe('QUEUED');
    const second = await post({ backup: label });
    expect(second.status).toBe(409);
    expect((await second.json()).error.details.drillId).toBe(id);

    const out = await runDrillOnce({ executorId: 'test-executor', drillId: id, pollMs: 300 });
    const view = await getDrill(id);
    expect(out, JSON.stringify(view.steps, null, 1)).toEqual({ id, status: 'SUCCEEDED' });
    expect(view).toMatchObject({ status: 'SUCCEEDED', runner: 'dr1', trigger: 'manual', external: false, error: null, backup: { label, type: 'full', chain: [label] } });
    expect(view.restoreSeconds).toBeGreaterThan(0);
    expect(view.durationSeconds).toBeGreaterThanOrEqual(view.restoreSeconds!);
    expect(view.steps.map((s) => s.name)).toEqual(['drill host', 'resolve backup', 'free space', 'prepare scratch directory', 'pgbackrest restore', 'configure scratch instance', 'start', 'recovery', 'checks', 'teardown']);
    expect(view.steps.every((s) => s.status === 'ok')).toBe(true);
    // the cluster's own system identifier and the context's declared database were checked
    const [{ sysid }] = await pg.primary.psql<{ sysid: string }>(`SELECT system_identifier::text AS sysid FROM pg_control_system()`);
    expect(view.checks.find((c) => c.name === 'system identifier')).toMatchObject({ ok: true, detail: expect.stringContaining(`expected ${sysid} (the cluster's`) });
    expect(view.checks.find((c) => c.name === 'databases')!.detail).toContain('expected postgres');
    const audits = await db.auditEvent.findMany({ where: { targetType: 'drill', targetId: id }, orderBy: { id: 'asc' } });
    expect(audits.map((a) => a.action)).toEqual(['drill.requested', 'drill.finished']);
    // viewers read it through the API
    const one = await drillById.GET(req(`/api/v1/drills/${id}`, { token: viewerToken }), { params: Promise.resolve({ id }) });
    expect(one.status).toBe(200);
    expect((await one.json()).steps).toHaveLength(10);
  });

  it('422 for an unknown backup label or a target time outside the point-in-time window, with the catalog', async () => {
    const post = (body: unknown) => clusterDrills.POST(req(`/api/v1/clusters/${NAME}/drills`, { method: 'POST', body: JSON.stringify(body), token: operatorToken }), named);
    const unknown = await post({ backup: '20200101-000000F' });
    expect(unknown.status).toBe(422);
    const u = await unknown.json();
    expect(u.error.details.fields).toEqual([{ path: 'backup', message: expect.stringContaining(label) }]);
    expect(u.error.details.backups.map((b: { label: string }) => b.label)).toEqual([label]);
    for (const targetTime of ['2020-01-01T00:00:00Z', new Date(Date.now() + 3600_000).toISOString()]) {
      const r = await post({ targetTime });
      expect(r.status, targetTime).toBe(422);
      expect((await r.json()).error.details.fields[0]).toMatchObject({ path: 'targetTime', message: expect.stringContaining('outside the point-in-time window') });
    }
    expect((await post({ backup: 'latest' })).status).toBe(422); // not a label at all
    expect(await activeDrill()).toBeNull(); // nothing half-written
  });

  it('times a drill out: the agent is told to abort (DELETE) and the drill is TIMED_OUT', async () => {
    const { id } = await requestDrill({ actor: await makeOperator('drill-timeout'), cluster: NAME });
    const out = await runDrillOnce({ executorId: 'test-executor', drillId: id, pollMs: 200, timeoutSeconds: 1 });
    expect(out).toEqual({ id, status: 'TIMED_OUT' });
    const view = await getDrill(id);
    expect(view.error).toMatch(/timed out after 1 s .*abort on the host: aborted/);
    expect(view.steps.find((s) => s.name === 'timeout')).toMatchObject({ status: 'failed' });
    const onAgent = await waitForDrill(pg.node('dr1').agent!, id);
    expect(onAgent.status).toBe('aborted');
    expect(onAgent.steps.at(-1)).toMatchObject({ name: 'teardown', status: 'ok' });
  });

  it('stores an external runner result (operator token), marks it external and lists it', async () => {
    const body = { cluster: NAME, backupLabel: label, startedAt: new Date(Date.now() - 120_000).toISOString(), finishedAt: new Date(Date.now() - 60_000).toISOString(), succeeded: true, checks: [{ name: 'row counts', ok: true, detail: 'orders: 42' }], runner: 'ci-restore-job' };
    expect((await results.POST(req('/api/v1/drills/results', { method: 'POST', body: JSON.stringify(body), token: viewerToken }), none)).status).toBe(403);
    expect((await results.POST(req('/api/v1/drills/results', { method: 'POST', body: JSON.stringify({ ...body, finishedAt: body.startedAt, startedAt: body.finishedAt }), token: operatorToken }), none)).status).toBe(422);
    const r = await results.POST(req('/api/v1/drills/results', { method: 'POST', body: JSON.stringify(body), token: operatorToken }), none);
    expect(r.status).toBe(201);
    const { id, status } = await r.json();
    expect(status).toBe('SUCCEEDED');
    const list = await drills.GET(req(`/api/v1/drills?cluster=${NAME}`, { token: viewerToken }), none);
    const found = (await list.json()).drills.find((d: { id: string }) => d.id === id);
    expect(found).toMatchObject({ external: true, trigger: 'external', runner: 'ci-restore-job', status: 'SUCCEEDED', restoreSeconds: 60, backup: { label, type: 'full' }, checks: body.checks });
    expect((await db.auditEvent.findFirst({ where: { targetId: id, action: 'drill.external-result' } }))).not.toBeNull();
    // an external result never blocks Vakt's own drills
    expect(await activeDrill()).toBeNull();
  });

  it('an admin registers a drill host (allowlisted, token sealed and never shown) and clears it; audited', async () => {
    const put = (body: unknown, token = adminToken) => drillHost.PUT(req(`/api/v1/clusters/${NAME}/drill-host`, { method: 'PUT', body: JSON.stringify(body), token }), named);
    const agent = pg.node('dr1').agent!;
    expect((await put({ agentUrl: agent.url, agentToken: agent.token }, operatorToken)).status).toBe(403);
    const outside = await put({ agentUrl: 'http://192.0.2.10:7070', agentToken: agent.token });
    expect(outside.status).toBe(422);
    expect((await outside.json()).error.details.fields[0].path).toBe('agentUrl');
    const ok = await put({ agentUrl: `${agent.url}/`, agentToken: agent.token });
    expect(ok.status).toBe(200);
    const text = await ok.text();
    expect(text).not.toContain(agent.token);
    const row = await db.cluster.findUniqueOrThrow({ where: { name: NAME } });
    expect(row.drillHostUrl).toBe(agent.url);
    expect(row.drillHostTokenEnc).toMatch(/^v1:/);
    // the executor now runs on the registered host
    const { id } = await requestDrill({ actor: await makeOperator('drill-host'), cluster: NAME });
    expect(await runDrillOnce({ executorId: 'test-executor', drillId: id, pollMs: 300 })).toEqual({ id, status: 'SUCCEEDED' });
    expect((await getDrill(id)).runner).toBe('drill-host');
    expect((await drillHost.DELETE(req(`/api/v1/clusters/${NAME}/drill-host`, { method: 'DELETE', token: adminToken }), named)).status).toBe(200);
    expect((await db.cluster.findUniqueOrThrow({ where: { name: NAME } })).drillHostTokenEnc).toBeNull();
    const audits = await db.auditEvent.findMany({ where: { targetId: row.id, action: { startsWith: 'cluster.drill-host' } }, orderBy: { id: 'asc' } });
    expect(audits.map((a) => a.action)).toEqual(['cluster.drill-host.set', 'cluster.drill-host.cleared']);
    expect(JSON.stringify(audits.map((a) => [a.before, a.after]))).not.toContain(agent.token);
  });

  it('the schedule queues a drill when the last finished one is older than the cadence', async () => {
    expect(await scheduleDrills({ clusters: [NAME] })).toEqual([]); // drilled minutes ago, cadence 7 days
    expect(await scheduleDrills({ clusters: [NAME], now: new Date(Date.now() + 8 * 86_400_000) })).toEqual([NAME]);
    const d = await activeDrill();
    expect(d).toMatchObject({ trigger: 'schedule', status: 'QUEUED', requestedByLabel: 'vakt-drill-schedule' });
    await db.restoreDrill.update({ where: { id: d!.id }, data: { status: 'ABORTED', finishedAt: new Date() } });
  });

  it('the CLI runs a drill, waits and exits 0 with one JSON object on the last line', async () => {
    const r = await run(path.join(root, 'node_modules/.bin/tsx'), ['scripts/vakt.ts', 'drill', NAME, '--backup', label, '--timeout', '5m'], { cwd: root, env: { ...process.env }, timeout: 300_000 });
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ ok: true, timedOut: false, drill: { cluster: NAME, status: 'SUCCEEDED', backup: { label } } });
    expect(r.stderr).toMatch(/ok\s+pgbackrest restore/);
    // refused (a label the catalog does not hold): exit 2, still one JSON object last
    const refused = await run(path.join(root, 'node_modules/.bin/tsx'), ['scripts/vakt.ts', 'drill', NAME, '--backup', '20200101-000000F'], { cwd: root, env: { ...process.env }, timeout: 120_000 }).then(() => ({ code: 0, stdout: '' }), (e: { code: number; stdout: string }) => e);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout.trim().split('\n').at(-1)!)).toMatchObject({ ok: false, refused: true, error: { code: 'VALIDATION' } });
  });
});
