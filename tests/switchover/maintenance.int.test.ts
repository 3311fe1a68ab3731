// Maintenance mode on real PostgreSQL (issue 15): while a cluster is in maintenance, automatic failover is
// paused — its primary dies, its replica turns SAFE, and the worker does nothing; at `until` the worker
// lifts it and automatic failover promotes. PUT/DELETE through the route with an operator's API token;
// a viewer is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { sleep } from '@/lib/base/sleep';
import { resetEnv } from '@/lib/base/env';
import { cliActor } from '@/lib/auth/actor';
import { createApiToken } from '@/lib/auth/tokens';
import { SAFE_SINCE_EVENT } from '@/lib/promotion/automatic-mode';
import { MAINTENANCE_ENDED } from '@/lib/promotion/maintenance';
import { getClusterSafety } from '@/lib/promotion/get-cluster-safety';
import { promotionTick } from '@/lib/promotion/promotion-loop';
import { DELETE, PUT } from '@/app/api/v1/clusters/[name]/maintenance/route';
import { waitFor, type TPgCluster } from '../support/pg-cluster';
import { declareContext, ensureSite, runPoller, startRealCluster, waitForHealthy, waitForVerdict } from '../support/promotion-support';

const ENV_OVERRIDES: Record<string, string> = { VAKT_PRIMARY_DOWN_FOR_SECONDS: '2', VAKT_AUTOMATIC_DELAY_SECONDS: '2', VAKT_STALE_AFTER_MS: '5000' };
const savedEnv: Record<string, string | undefined> = {};
const clusters: TPgCluster[] = [];
let poller: { stop: () => Promise<void> } | undefined;

beforeAll(async () => {
  for (const [k, v] of Object.entries(ENV_OVERRIDES)) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
  resetEnv();
  await ensureSite('oslo');
  await declareContext('maint-ctx', { rpoClass: 'RPO-3', crossSite: 'not-assumed', replication: { local: 'async', crossSite: 'none' }, approvalsRequired: 1, failover: 'automatic' });
  poller = runPoller();
});
afterAll(async () => {
  await poller?.stop();
  await Promise.all(clusters.map((c) => c.cleanup()));
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnv();
});

const call = (handler: typeof PUT, token: string, body?: unknown) =>
  handler(
    new Request('http://localhost/api/v1/clusters/maint/maintenance', {
      method: body === undefined ? 'DELETE' : 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
    { params: Promise.resolve({ name: 'maint' }) },
  );

describe('maintenance mode', () => {
  it('pauses automatic failover while it lasts, and the worker lifts it at `until`', async () => {
    const t0 = Date.now();
    const pg = await startRealCluster('maint', 1, 'maint-ctx');
    clusters.push(pg);
    const [a, b] = pg.nodes;
    await waitForHealthy('maint');
    const { token: viewer } = await createApiToken({ actor: cliActor(), input: { name: `maint-viewer-${Date.now()}`, role: 'viewer' } });
    const { token: operator } = await createApiToken({ actor: cliActor(), input: { name: `maint-operator-${Date.now()}`, role: 'operator' } });
    // long enough that a slow machine cannot reach it before the checks below; shortened afterwards
    const until = new Date(Date.now() + 120_000).toISOString();
    expect((await call(PUT, viewer, { reason: 'kernel update', until })).status).toBe(403);
    expect((await call(PUT, operator, { reason: 'x', until })).status).toBe(422);
    expect((await call(PUT, operator, { reason: 'kernel update', until: '2020-01-01T00:00:00Z' })).status).toBe(422);
    const put = await call(PUT, operator, { reason: 'kernel update', until });
    expect(put.status).toBe(200);
    expect((await put.json()).maintenance).toMatchObject({ reason: 'kernel update', until });
    expect((await getClusterSafety('maint')).maintenance).toMatchObject({ reason: 'kernel update', until });
    const id = (await db.cluster.findUniqueOrThrow({ where: { name: 'maint' } })).id;
    expect(await db.auditEvent.count({ where: { action: 'cluster.maintenance_set', targetId: id } })).toBe(1);

    await a.killPg();
    await waitForVerdict('maint', b.name, 'SAFE', 30_000);
    // the worker scans for longer than the automatic delay: nothing happens
    for (let i = 0; i < 12; i++) {
      await promotionTick({ executorId: 'maint-worker', scan: true });
      await sleep(250);
    }
    expect(await db.promotionRequest.count({ where: { clusterId: id } })).toBe(0);
    expect(await db.clusterEvent.count({ where: { clusterId: id, kind: SAFE_SINCE_EVENT } })).toBe(0);
    expect((await getClusterSafety('maint')).maintenance).toMatchObject({ reason: 'kernel update' }); // still in maintenance: the check above meant something

    // the operator shortens the window (PUT again); at `until` the worker lifts it
    const shortened = await call(PUT, operator, { reason: 'kernel update done', until: new Date(Date.now() + 2_000).toISOString() });
    expect(shortened.status).toBe(200);

    // at `until` the worker lifts it; automatic failover then promotes the replica
    await waitFor(async () => {
      await promotionTick({ executorId: 'maint-worker', scan: true });
      const r = await db.promotionRequest.findFirst({ where: { clusterId: id, automatic: true } });
      return r?.status === 'COMPLETED';
    }, 40_000, 'automatic failover after maintenance', 300);
    expect(await db.clusterEvent.count({ where: { clusterId: id, kind: MAINTENANCE_ENDED } })).toBe(1);
    expect(await db.auditEvent.count({ where: { action: 'cluster.maintenance_expired', targetId: id } })).toBe(1);
    expect((await getClusterSafety('maint')).maintenance).toBeNull();
    // DELETE when none is set: nothing to lift
    const del = await call(DELETE, operator);
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ lifted: false });
    console.log(`maintenance test: ${Date.now() - t0} ms`);
  });
});
