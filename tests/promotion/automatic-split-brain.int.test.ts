// Automatic failover and split brain on real PostgreSQL (docs/safety.md "Automatic mode", "Split brain"
// and "After a promotion: rebuild or repoint"): the real poller observes harness clusters, the real promotion worker
// scans them and executes, and we watch the outcome through the same reads the API uses.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { sleep } from '@/lib/base/sleep';
import { resetEnv } from '@/lib/base/env';
import type { AppError } from '@/lib/base/errors';
import { SAFE_ENDED_EVENT, SAFE_SINCE_EVENT } from '@/lib/promotion/automatic-mode';
import { getPromotion } from '@/lib/promotion/get-promotion';
import { requestPromotion } from '@/lib/promotion/request-promotion';
import { getClusterSafety } from '@/lib/promotion/get-cluster-safety';
import { SPLIT_BRAIN_EVENT } from '@/lib/promotion/split-brain';
import { promotionLoop, promotionTick } from '@/lib/promotion/promotion-loop';
import { startWorker } from '@/lib/worker';
import { waitFor, type TPgCluster } from '../support/pg-cluster';
import { declareContext, ensureSite, makeOperator, runPoller, startRealCluster, waitForHealthy, waitForVerdict } from '../support/promotion-support';

// Small timings so the automatic path runs in seconds. env() is read lazily; resetEnv() below makes
// the next read see these values.
const DOWN_FOR_SECONDS = 2;
const AUTOMATIC_DELAY_SECONDS = 3;
const ENV_OVERRIDES: Record<string, string> = {
  VAKT_PRIMARY_DOWN_FOR_SECONDS: String(DOWN_FOR_SECONDS),
  VAKT_AUTOMATIC_DELAY_SECONDS: String(AUTOMATIC_DELAY_SECONDS),
  VAKT_STALE_AFTER_MS: '5000',
};
const savedEnv: Record<string, string | undefined> = {};

// A lenient, same-site, automatic declaration: the only thing standing between a dead primary and an
// automatic promotion is the down-for and SAFE-for delays.
const LENIENT = {
  rpoClass: 'RPO-3', // ≤ 15 min
  crossSite: 'not-assumed',
  replication: { local: 'async', crossSite: 'none' },
  approvalsRequired: 1,
};

const clusters: TPgCluster[] = [];
let poller: { stop: () => Promise<void> } | undefined;

beforeAll(async () => {
  for (const [k, v] of Object.entries(ENV_OVERRIDES)) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
  resetEnv();
  await ensureSite('oslo');
  await declareContext('auto-ctx', { ...LENIENT, failover: 'automatic' });
  await declareContext('approve-ctx', { ...LENIENT, failover: 'operator-approved' });
  await declareContext('sb-ctx', { ...LENIENT, failover: 'operator-approved' });
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

const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected a rejection');
};

const clusterId = async (name: string) => (await db.cluster.findUniqueOrThrow({ where: { name }, select: { id: true } })).id;

/** Polls the promotion requests of a cluster until one matches, with a deadline. */
async function waitForRequest(cluster: string, pred: (r: { id: string; status: string; automatic: boolean }) => boolean, what: string, timeoutMs = 45_000) {
  const id = await clusterId(cluster);
  let last = 'none';
  let found: { id: string; status: string; automatic: boolean } | null = null;
  await waitFor(
    async () => {
      const rows = await db.promotionRequest.findMany({ where: { clusterId: id }, select: { id: true, status: true, automatic: true }, orderBy: { createdAt: 'asc' } });
      last = rows.map((r) => `${r.status}${r.automatic ? ' (automatic)' : ''}`).join(', ') || 'none';
      found = rows.find(pred) ?? null;
      return found !== null;
    },
    timeoutMs,
    what,
    200,
  ).catch((e) => {
    throw new Error(`${(e as Error).message}; requests seen: ${last}`);
  });
  return found!;
}

describe('automatic mode', () => {
  it('every context automatic: the primary dies, the verdict turns SAFE, stays SAFE for the delay, and the worker fences and promotes on its own; operator-approved clusters are left alone', async () => {
    const t0 = Date.now();
    const [auto, gated] = await Promise.all([startRealCluster('auto', 1, 'auto-ctx'), startRealCluster('gated', 1, 'approve-ctx')]);
    clusters.push(auto, gated);
    const [a, b] = auto.nodes;
    await a.psql('CREATE TABLE t (id int)');
    await a.psql('INSERT INTO t SELECT generate_series(1, 50)');
    await auto.waitForReplay();
    await Promise.all([waitForHealthy('auto'), waitForHealthy('gated')]);

    const worker = startWorker({ id: 'auto-test-worker', loops: [promotionLoop({ intervalMs: 250, scanEveryMs: 250 })] });
    try {
      const killedAt = Date.now();
      await Promise.all([a.killPg(), gated.primary.killPg()]);

      // SAFE once the primary has been down for DOWN_FOR_SECONDS (its agent answers: fenceable)
      const safe = await waitForVerdict('auto', b.name, 'SAFE', 30_000);
      expect(safe.state).toBe('PRIMARY_DOWN');
      const cand = safe.candidates.find((c) => c.node === b.name)!;
      const codes = cand.reasons.map((r) => r.code);
      expect(codes).toContain('OLD_PRIMARY_FENCEABLE');
      expect(codes).toContain('WITHIN_RPO');
      expect(cand.requiresAttestation).toBe(false);

      // the worker creates the automatic request and executes it
      const req = await waitForRequest('auto', (r) => r.automatic, 'an automatic promotion request');
      await waitForRequest('auto', (r) => r.id === req.id && ['COMPLETED', 'FAILED'].includes(r.status), 'the automatic promotion to finish');
      const view = await getPromotion(req.id);
      expect(view.status, JSON.stringify(view.steps, null, 1)).toBe('COMPLETED');
      expect(view.automatic).toBe(true);
      expect(view.requestedBy).toBe('vakt-automatic');
      expect(view.requestedById).toBeNull();
      expect(view.approvals).toHaveLength(0);
      expect(view.candidate).toBe(b.name);
      expect(view.epochBefore).toBe(0);
      expect(view.epochAfter).toBe(1);
      const ok = view.steps.filter((s) => s.status === 'ok').map((s) => s.name);
      for (const s of ['request', 'evaluate', 'claim-epoch', 'fence', 'promote', 'verify', 'done']) expect(ok).toContain(s);
      expect(view.steps.find((s) => s.name === 'fence' && s.status === 'ok')?.detail).toMatch(new RegExp(`${a.name} fenced with epoch 1`));

      // it stayed SAFE for the configured delay before the request was made
      const id = await clusterId('auto');
      const row = await db.promotionRequest.findUniqueOrThrow({ where: { id: req.id } });
      expect(row.requestedByLabel).toBe('vakt-automatic');
      expect((row.verdict as { candidate: { verdict: string } }).candidate.verdict).toBe('SAFE');
      const marks = await db.clusterEvent.findMany({ where: { clusterId: id, kind: { in: [SAFE_SINCE_EVENT, SAFE_ENDED_EVENT] } }, orderBy: { id: 'asc' } });
      const since = marks.filter((m) => m.kind === SAFE_SINCE_EVENT && m.at <= row.createdAt).at(-1);
      expect(since, marks.map((m) => `${m.kind}@${m.at.toISOString()}`).join(', ')).toBeDefined();
      expect(marks.some((m) => m.kind === SAFE_ENDED_EVENT && m.at > since!.at && m.at < row.createdAt)).toBe(false);
      expect(row.createdAt.getTime() - since!.at.getTime()).toBeGreaterThanOrEqual(AUTOMATIC_DELAY_SECONDS * 1000);
      expect(row.createdAt.getTime() - killedAt).toBeGreaterThanOrEqual((DOWN_FOR_SECONDS + AUTOMATIC_DELAY_SECONDS) * 1000);

      // audited as automatic
      const audits = await db.auditEvent.findMany({ where: { targetId: req.id }, orderBy: { id: 'asc' } });
      const actions = audits.map((x) => x.action);
      expect(actions).toContain('promotion.requested_automatic');
      expect(actions).toContain('promotion.completed_automatic');
      for (const x of audits) expect(x.actorLabel).toBe('vakt-automatic');
      const claim = await db.auditEvent.findFirst({ where: { action: 'promotion.epoch_claimed', targetId: id } });
      expect(claim?.actorLabel).toBe('vakt-automatic');
      expect((await db.cluster.findUniqueOrThrow({ where: { id } })).epoch).toBe(1);

      // old primary fenced through its agent; the replica is the primary on a new timeline with the data
      expect(fs.existsSync(path.join(a.dataDir, 'standby.signal'))).toBe(true);
      expect((await a.agent!.status()).fencing).toMatchObject({ fenced: true, epoch: 1 });
      const st = await b.agent!.status();
      expect(st.postgres.role).toBe('primary');
      expect(st.postgres.timeline).toBeGreaterThan(1);
      expect((await b.psql<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0].r).toBe(false);
      expect((await b.psql<{ n: number }>('SELECT count(*)::int AS n FROM t'))[0].n).toBe(50);

      // operator-approved: same outage, same timings, nothing automatic. Both primaries died together,
      // so by now the gated cluster has been past down-for + delay for as long as the automatic one.
      const waitedMs = (DOWN_FOR_SECONDS + AUTOMATIC_DELAY_SECONDS + 1) * 1000 - (Date.now() - killedAt);
      if (waitedMs > 0) await sleep(waitedMs);
      const g = await getClusterSafety('gated');
      const gc = g.candidates.find((c) => c.node === gated.nodes[1].name)!;
      expect(g.state).toBe('PRIMARY_DOWN');
      expect(gc.verdict).toBe('GATED');
      expect(gc.reasons.map((r) => r.code)).toContain('OPERATOR_APPROVAL');
      const gid = await clusterId('gated');
      expect(await db.promotionRequest.count({ where: { clusterId: gid } })).toBe(0);
      expect(await db.clusterEvent.count({ where: { clusterId: gid, kind: SAFE_SINCE_EVENT } })).toBe(0);
      expect((await db.cluster.findUniqueOrThrow({ where: { id: gid } })).epoch).toBe(0);
      expect((await gated.nodes[1].agent!.status()).postgres.role).toBe('replica');
      expect(fs.existsSync(path.join(gated.primary.dataDir, 'standby.signal'))).toBe(false);
    } finally {
      await worker.stop();
    }
    console.log(`automatic mode test: ${Date.now() - t0} ms`);
  });
});

describe('split brain', () => {
  it('a replica promoted by hand while the primary runs: SPLIT_BRAIN, one event, every candidate BLOCKED, requests refused, the open one failed with the reason, the stale member named for fencing', async () => {
    const t0 = Date.now();
    const pg = await startRealCluster('sb', 2, 'sb-ctx');
    clusters.push(pg);
    const [a, b, c] = pg.nodes;
    await waitForHealthy('sb');
    const op = await makeOperator('sb-op');

    // An open request: made while the primary was down (GATED), then the primary comes back.
    await a.killPg();
    await waitForVerdict('sb', b.name, 'GATED');
    const { id } = await requestPromotion({ actor: op, cluster: 'sb', candidate: b.name, reason: 'primary crashed (split-brain test)' });
    expect((await getPromotion(id)).status).toBe('PENDING');
    await a.startPg();
    await waitForHealthy('sb');
    expect((await getPromotion(id)).status).toBe('PENDING');

    const worker = startWorker({ id: 'sb-test-worker', loops: [promotionLoop({ intervalMs: 250, scanEveryMs: 250 })] });
    try {
      // someone promotes c by hand while a still accepts writes
      await c.psql('SELECT pg_promote(wait => true)');
      expect((await a.psql<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0].r).toBe(false);
      expect((await c.psql<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0].r).toBe(false);

      let last = '';
      await waitFor(
        async () => {
          const s = await getClusterSafety('sb');
          last = `${s.state} ${s.candidates.map((x) => `${x.node}:${x.verdict}`).join(',')}`;
          return s.state === 'SPLIT_BRAIN';
        },
        30_000,
        'SPLIT_BRAIN',
        200,
      ).catch((e) => {
        throw new Error(`${(e as Error).message}; last seen: ${last}`);
      });

      // the open request is stopped, with the reason on a visible step
      await waitForRequest('sb', (r) => r.id === id && r.status !== 'PENDING', 'the open request to be stopped', 20_000);
      const view = await getPromotion(id);
      expect(view.status).toBe('FAILED');
      const stop = view.steps.find((s) => s.name === 'split-brain');
      expect(stop?.status).toBe('failed');
      expect(stop?.detail).toMatch(/split brain/);
      expect(stop?.detail).toContain(`fence ${a.name}`);
      const audit = await db.auditEvent.findFirst({ where: { targetId: id, action: 'promotion.blocked_split_brain' } });
      expect(audit?.after).toMatchObject({ status: 'FAILED' });
    } finally {
      await worker.stop();
    }

    // more scans of the same episode record nothing new
    await promotionTick({ executorId: 'sb-extra', scan: true });
    await promotionTick({ executorId: 'sb-extra', scan: true });
    const sid = await clusterId('sb');
    const events = await db.clusterEvent.findMany({ where: { clusterId: sid, kind: SPLIT_BRAIN_EVENT } });
    expect(events).toHaveLength(1);
    expect(events[0].severity).toBe('critical');
    expect(events[0].memberName).toBe(a.name);
    expect(events[0].message).toMatch(/blocked/);

    // everything is blocked; the member with the stale (older) timeline is named for fencing
    const s = await getClusterSafety('sb');
    expect(s.state).toBe('SPLIT_BRAIN');
    expect(s.alarms.map((x) => x.code)).toContain('SPLIT_BRAIN');
    expect(s.fenceTarget).toBe(a.name);
    expect(s.candidates.length).toBeGreaterThan(0);
    for (const x of s.candidates) {
      expect(x.verdict, x.node).toBe('BLOCKED');
      expect(x.reasons.map((r) => r.code)).toContain('SPLIT_BRAIN');
    }
    expect(s.openRequests).toHaveLength(0);

    // a new request is refused (409) whichever member is named
    const e1 = await errorOf(requestPromotion({ actor: op, cluster: 'sb', candidate: b.name, reason: 'try again' }));
    expect(e1.status).toBe(409);
    expect(e1.message).toMatch(/blocked/);
    expect(await db.promotionRequest.count({ where: { clusterId: sid } })).toBe(1);

    // Vakt promoted nothing and claimed no epoch
    expect((await db.cluster.findUniqueOrThrow({ where: { id: sid } })).epoch).toBe(0);
    expect((await b.agent!.status()).postgres.role).toBe('replica');
    console.log(`split-brain test: ${Date.now() - t0} ms`);
  });
});
