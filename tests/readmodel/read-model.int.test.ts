import { Client as PgClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { cliActor } from '@/lib/auth/actor';
import { updateClass } from '@/lib/registry/classes';
import { readCluster, readClusters, readClusterSafety, readContext, readContexts } from '@/lib/readmodel/read';
import { listenerConnections, subscribe, type TStreamMessage } from '@/lib/readmodel/listener';
import { readModelLoop } from '@/lib/readmodel/loop';
import { refreshUntilIdle } from '@/lib/readmodel/refresh';
import { startWorker, type TWorker } from '@/lib/worker';
import { pollerLoop } from '@/lib/worker/poller-loop';
import { createPgCluster, waitFor, type TPgCluster } from '../support/pg-cluster';
import { declareContext, ensureSite } from '../support/promotion-support';
import { onlyDue } from '../support/cluster-setup';
import { overrideEnv, registerHarnessCluster } from '../safety/safety-support';

// "The worker decides, pages read" (lib/readmodel/README.md): the read model follows every input —
// a poll that changed something, a declaration, a class bound, a promotion step — through the change
// rows the database triggers append (the first worker recomputes nothing on time alone: its refresh
// period is an hour), then time alone with no new input (a second worker without a poller, refreshing
// every 500 ms), and a stopped worker's read model is served as UNKNOWN with stale: true.
const CLUSTER = 'rm-main';
const CONTEXT = 'rm-ctx';
const STALE_MS = 3000;
const HOUR = 3_600_000;

let pg: TPgCluster;
let worker: TWorker | null = null;
let restoreEnv = () => {};

const computedAt = async () => (await readClusterSafety(CLUSTER)).computedAt ?? '';
const codesOf = async () => (await readContext(CONTEXT)).findings.map((f) => f.code);
const replicaName = () => pg.replicas[0].name;
const candidate = async () => (await readClusterSafety(CLUSTER)).candidates.find((c) => c.node === replicaName());

beforeAll(async () => {
  restoreEnv = overrideEnv({ VAKT_STALE_AFTER_MS: String(STALE_MS), VAKT_PRIMARY_DOWN_FOR_SECONDS: '1' });
  await ensureSite('oslo');
  pg = await createPgCluster({ primary: { name: 'rm-a', site: 'oslo' }, replicas: [{ name: 'rm-b', site: 'oslo' }], agents: 'in-process' });
  await declareContext(CONTEXT, { rpoClass: 'RPO-4', replication: { local: 'async', crossSite: 'none' } });
  await registerHarnessCluster(CLUSTER, pg, [CONTEXT]);
  await onlyDue(CLUSTER);
  worker = startWorker({ id: 'w-readmodel', loops: [pollerLoop({ intervalMs: 500, timeoutMs: 1000 }), readModelLoop({ refreshMs: HOUR, tickMs: 100 })] });
});

afterAll(async () => {
  await worker?.stop();
  await db.promotionRequest.deleteMany({ where: { cluster: { name: CLUSTER } } });
  await db.cluster.deleteMany({ where: { name: CLUSTER } });
  await pg?.cleanup();
  restoreEnv();
});

describe('the read model follows every input', () => {
  it('is computed by the worker: reads carry computedAt, stale: false, the engine state', async () => {
    await waitFor(async () => (await readClusterSafety(CLUSTER)).state === 'HEALTHY', 30_000, 'stored report HEALTHY', 100);
    const safety = await readClusterSafety(CLUSTER);
    expect(safety).toMatchObject({ stale: false, state: 'HEALTHY' });
    expect(Date.parse(safety.computedAt!)).toBeGreaterThan(0);
    const view = (await readClusters()).items.find((c) => c.name === CLUSTER)!;
    expect(view).toMatchObject({ state: 'HEALTHY', stale: false });
    expect(view.members.map((m) => [m.name, m.status])).toEqual([['rm-a', 'ok'], ['rm-b', 'ok']]);
    const ctx = (await readContexts()).find((c) => c.slug === CONTEXT)!;
    expect(ctx).toMatchObject({ stale: false });
    expect(Date.parse(ctx.computedAt!)).toBeGreaterThan(0);
  });

  it('a stored poll that changed something: a replica whose PostgreSQL stops reads down, and the stream says so', async () => {
    const messages: TStreamMessage[] = [];
    const unsubscribe = [subscribe((m) => messages.push(m)), subscribe(() => {})];
    try {
      await waitFor(async () => listenerConnections() === 1, 10_000, 'the listener connected', 50);
      // two subscribers (two tabs), one listening connection
      expect(listenerConnections()).toBe(1);
      await pg.replicas[0].stopPg();
      await waitFor(async () => (await readCluster(CLUSTER)).members.find((m) => m.name === replicaName())?.status === 'down', 20_000, 'stored member down', 100);
      const view = await readCluster(CLUSTER);
      expect(view.state).toBe('DEGRADED');
      expect(view.stale).toBe(false);
      await waitFor(async () => messages.some((m) => m.type === 'change' && m.event.kind === 'cluster' && m.event.name === CLUSTER), 5000, 'a change event for the cluster', 50);
      await waitFor(async () => messages.some((m) => m.type === 'change' && m.event.kind === 'context' && m.event.slug === CONTEXT), 5000, 'a change event for the context', 50);
      await waitFor(async () => (await codesOf()).includes('NODE_DOWN'), 10_000, 'NODE_DOWN stored', 100);
    } finally {
      unsubscribe.forEach((u) => u());
    }
    await pg.replicas[0].startPg();
    await waitFor(async () => (await readCluster(CLUSTER)).state === 'HEALTHY', 30_000, 'stored state HEALTHY again', 100);
    // the context's row is recomputed on its own, right after
    await waitFor(async () => !(await codesOf()).includes('NODE_DOWN'), 10_000, 'NODE_DOWN gone', 100);
  });

  it('a declaration change: declaring local sync replication the cluster does not have shows SYNC_NOT_EFFECTIVE', async () => {
    expect(await codesOf()).not.toContain('SYNC_NOT_EFFECTIVE');
    const before = (await readContext(CONTEXT)).computedAt;
    await declareContext(CONTEXT, { rpoClass: 'RPO-4', replication: { local: 'sync', crossSite: 'none' } });
    await waitFor(async () => (await codesOf()).includes('SYNC_NOT_EFFECTIVE'), 10_000, 'SYNC_NOT_EFFECTIVE stored', 100);
    const after = await readContext(CONTEXT);
    expect(after).toMatchObject({ currentVersion: 2, stale: false });
    expect(Date.parse(after.computedAt!)).toBeGreaterThan(Date.parse(before!));
    await declareContext(CONTEXT, { rpoClass: 'RPO-4', replication: { local: 'async', crossSite: 'none' } });
    await waitFor(async () => !(await codesOf()).includes('SYNC_NOT_EFFECTIVE'), 10_000, 'SYNC_NOT_EFFECTIVE gone', 100);
  });

  it('a class bound change: the stored verdict holds the new RPO bound', async () => {
    const cls = await db.recoveryClass.findUniqueOrThrow({ where: { kind_name: { kind: 'RPO', name: 'RPO-4' } } });
    const original = cls.boundSeconds;
    const bound = (original ?? 3600) + 123;
    expect((await candidate())?.rpoBoundSeconds).toBe(original);
    try {
      await updateClass({ actor: cliActor(), id: cls.id, input: { boundSeconds: bound } });
      await waitFor(async () => (await candidate())?.rpoBoundSeconds === bound, 10_000, `rpoBoundSeconds ${bound} stored`, 100);
    } finally {
      await updateClass({ actor: cliActor(), id: cls.id, input: { boundSeconds: original } });
    }
    await waitFor(async () => (await candidate())?.rpoBoundSeconds === original, 10_000, 'the original bound stored again', 100);
  });

  it('a promotion step: a promote whose outcome is unknown blocks every candidate (CANDIDATE_PROMOTING)', async () => {
    expect((await candidate())?.reasons.map((r) => r.code)).not.toContain('CANDIDATE_PROMOTING');
    const c = await db.cluster.findUniqueOrThrow({ where: { name: CLUSTER } });
    // the rows the executor writes when pg_promote timed out (lib/promotion/execute-promotion.ts)
    const req = await db.promotionRequest.create({
      data: { clusterId: c.id, candidate: replicaName(), reason: 'read model test', status: 'EXECUTING', requestedByLabel: 'test', epochBefore: c.epoch, approvalsRequired: 1, verdict: {}, observedLsns: {}, expiresAt: new Date(Date.now() + HOUR) },
    });
    const at = await computedAt();
    await db.promotionStep.create({ data: { promotionId: req.id, name: 'promote', status: 'unknown', detail: 'pg_promote timed out' } });
    await waitFor(async () => !!(await candidate())?.reasons.some((r) => r.code === 'CANDIDATE_PROMOTING'), 10_000, 'CANDIDATE_PROMOTING stored', 100);
    expect((await candidate())?.verdict).toBe('BLOCKED');
    expect(Date.parse(await computedAt())).toBeGreaterThan(Date.parse(at));
    await db.promotionRequest.update({ where: { id: req.id }, data: { status: 'FAILED', finishedAt: new Date() } });
    await waitFor(async () => !(await candidate())?.reasons.some((r) => r.code === 'CANDIDATE_PROMOTING'), 10_000, 'CANDIDATE_PROMOTING gone', 100);
  });

  it('time passing with no new input: once nothing is polled, the stored verdicts age into unknown while the read model stays fresh', async () => {
    await worker!.stop();
    // no poller: no observation is stored any more; only time passes
    worker = startWorker({ id: 'w-readmodel-time', loops: [readModelLoop({ refreshMs: 500, tickMs: 100 })] });
    await waitFor(async () => (await readClusterSafety(CLUSTER)).state === 'UNKNOWN', STALE_MS + 10_000, 'state UNKNOWN from stale observations', 100);
    const safety = await readClusterSafety(CLUSTER);
    // the worker computed it (fresh): the engine itself judged the observations stale
    expect(safety.stale).toBe(false);
    expect(safety.candidates.every((c) => c.verdict !== 'SAFE')).toBe(true);
    expect((await readCluster(CLUSTER)).members.every((m) => m.stale)).toBe(true);
    // the context's live findings age the same way (its row is recomputed on its own)
    await waitFor(async () => (await codesOf()).includes('AGENT_STALE'), 10_000, 'AGENT_STALE stored', 100);
    expect(await codesOf()).not.toContain('READ_MODEL_STALE');
    expect((await readContext(CONTEXT)).stale).toBe(false);
  });

  it('a stale read model (worker stopped) is served as UNKNOWN with stale: true, never healthy', async () => {
    // no worker at all now: the last computation only ages
    await worker!.stop();
    worker = null;
    const last = Date.parse(await computedAt());
    await waitFor(async () => (await readClusterSafety(CLUSTER)).stale === true, STALE_MS + 5000, 'stale', 100);
    const safety = await readClusterSafety(CLUSTER);
    expect(safety).toMatchObject({ state: 'UNKNOWN', stale: true, fenceTarget: null });
    expect(Date.parse(safety.computedAt!)).toBe(last);
    expect(safety.candidates.length).toBeGreaterThan(0);
    for (const c of safety.candidates) {
      expect(c.verdict).toBe('BLOCKED');
      expect(c.reasons[0].code).toBe('READ_MODEL_STALE');
    }
    expect((await readClusters()).items.find((c) => c.name === CLUSTER)).toMatchObject({ state: 'UNKNOWN', stale: true });
    expect((await readCluster(CLUSTER))).toMatchObject({ state: 'UNKNOWN', stale: true });
    // the context's last computation may be a moment younger than the cluster's
    await waitFor(async () => (await readContext(CONTEXT)).stale === true, STALE_MS + 5000, 'context stale', 100);
    const ctx = await readContext(CONTEXT);
    expect(ctx.findings.find((f) => f.code === 'READ_MODEL_STALE')).toMatchObject({ severity: 'error', source: 'live' });
    expect((await readContexts()).find((c) => c.slug === CONTEXT)?.findingCounts.error).toBeGreaterThan(0);
  });

  it('workers do not fight: a row another worker is computing (locked) is skipped, never waited for or computed twice', async () => {
    const other = new PgClient({ connectionString: process.env.DATABASE_URL });
    await other.connect();
    try {
      // another worker in the middle of computing this cluster: its claim holds the row lock
      await other.query('BEGIN');
      await other.query(`SELECT 1 FROM "vakt"."ClusterReadModel" r JOIN "vakt"."Cluster" c ON c.id = r."clusterId" WHERE c.name = $1 FOR UPDATE OF r`, [CLUSTER]);
      const before = await computedAt();
      // every row is due for this round; it completes while the lock is held, without this one
      await refreshUntilIdle();
      expect(await computedAt()).toBe(before);
      await other.query('ROLLBACK');
    } finally {
      await other.end();
    }
    await refreshUntilIdle();
    expect(Date.parse(await computedAt())).toBeGreaterThan(0);
    expect(await readClusterSafety(CLUSTER)).toMatchObject({ stale: false });
  });
});
