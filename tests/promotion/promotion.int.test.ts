import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { cliActor } from '@/lib/auth/actor';
import { createApiToken } from '@/lib/auth/tokens';
import { AppError } from '@/lib/base/errors';
import { approvePromotion } from '@/lib/promotion/approve-promotion';
import { runExecutorOnce } from '@/lib/promotion/execute-promotion';
import { getPromotion } from '@/lib/promotion/get-promotion';
import { requestPromotion } from '@/lib/promotion/request-promotion';
import { getClusterSafety } from '@/lib/promotion/get-cluster-safety';
import { POST as approveRoute } from '@/app/api/v1/promotions/[id]/approvals/route';
import { waitFor } from '../support/pg-cluster';
import {
  crashAfterPromoteCall,
  executeToCompletion,
  makeOperator,
  PASSWORD,
  promotionTestSuite,
  resumeAfterLease,
  startRealCluster,
  waitForHealthy,
  waitForVerdict,
} from '../support/promotion-support';

const { clusters } = promotionTestSuite('promo-ctx');

const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected a rejection');
};

describe('promotion end to end on real PostgreSQL', () => {
  it('primary killed -> GATED -> two approvals -> old primary fenced -> replica promoted -> old primary comes back read-only', async () => {
    const t0 = Date.now();
    const pg = await startRealCluster('e2e', 1, 'promo-ctx');
    clusters.push(pg);
    const [a, b] = pg.nodes;
    await a.psql('CREATE TABLE t (id int)');
    await a.psql('INSERT INTO t SELECT generate_series(1, 100)');
    await pg.waitForReplay();

    await waitForHealthy('e2e');
    const healthy = await waitForVerdict('e2e', b.name, 'BLOCKED');
    expect(healthy.candidates[0].reasons.map((r) => r.code)).toContain('PRIMARY_HEALTHY');
    const [op1, op2] = [await makeOperator('op1'), await makeOperator('op2')];
    expect((await errorOf(requestPromotion({ actor: op1, cluster: 'e2e', candidate: b.name, reason: 'healthy primary' }))).status).toBe(409);

    await a.killPg();
    const safety = await waitForVerdict('e2e', b.name, 'GATED');
    expect(safety.state).toBe('PRIMARY_DOWN');
    expect(safety.candidates[0].approvalsRequired).toBe(2);

    const { id } = await requestPromotion({ actor: op1, cluster: 'e2e', candidate: b.name, reason: 'primary crashed' });
    // one open request per cluster
    expect((await errorOf(requestPromotion({ actor: op2, cluster: 'e2e', candidate: b.name, reason: 'again' }))).status).toBe(409);

    // approval without the password is refused; a wrong password too
    expect((await errorOf(approvePromotion({ actor: op2, id }))).status).toBe(422);
    expect((await errorOf(approvePromotion({ actor: op2, id, password: 'wrong password!' }))).status).toBe(403);
    // an API token is refused by the route (a person's act)
    const { token } = await createApiToken({ actor: cliActor(), input: { name: `op-token-${Date.now()}`, role: 'operator' } });
    const res = await approveRoute(
      new Request(`http://localhost/api/v1/promotions/${id}/approvals`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) }),
      { params: Promise.resolve({ id }) },
    );
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe('FORBIDDEN');

    expect(await approvePromotion({ actor: op1, id, password: PASSWORD })).toMatchObject({ status: 'PENDING', approvals: 1 });
    expect((await errorOf(approvePromotion({ actor: op1, id, password: PASSWORD }))).status).toBe(409);
    expect(await approvePromotion({ actor: op2, id, password: PASSWORD })).toMatchObject({ status: 'APPROVED', approvals: 2 });

    const view = await executeToCompletion('e2e-executor', id);
    const names = view.steps.filter((s) => s.status === 'ok').map((s) => s.name);
    for (const s of ['evaluate', 'claim-epoch', 'fence', 'promote', 'verify']) expect(names).toContain(s);
    expect((await db.cluster.findUniqueOrThrow({ where: { name: 'e2e' } })).epoch).toBe(1);

    // the replica is the new primary on a new timeline, with the data
    const [{ r, tl }] = await b.psql<{ r: boolean; tl: number }>(`SELECT pg_is_in_recovery() AS r, timeline_id AS tl FROM pg_control_checkpoint()`);
    expect(r).toBe(false);
    const status = await b.agent!.status();
    expect(status.postgres.role).toBe('primary');
    expect(status.postgres.timeline).toBeGreaterThan(1);
    expect(tl).toBeGreaterThanOrEqual(1);
    expect((await b.psql<{ n: number }>('SELECT count(*)::int AS n FROM t'))[0].n).toBe(100);

    // the old primary was fenced through its agent (PG already down: standby.signal written)
    expect(fs.existsSync(path.join(a.dataDir, 'standby.signal'))).toBe(true);
    expect((await a.agent!.status()).fencing).toMatchObject({ fenced: true, epoch: 1 });

    // restart the old primary's agent and PostgreSQL: it comes up in recovery, a write fails
    await a.agent!.stop();
    await a.agent!.start();
    await a.startPg();
    const [{ rec }] = await a.psql<{ rec: boolean }>('SELECT pg_is_in_recovery() AS rec');
    expect(rec).toBe(true);
    await expect(a.psql('INSERT INTO t VALUES (1)')).rejects.toThrow(/read-only/);
    expect((await a.agent!.status()).fencing.fenced).toBe(true);

    // the safety view shows the new primary and the old one needing a rebuild
    await waitFor(async () => {
      const s = await getClusterSafety('e2e');
      return s.primary?.node === b.name && s.needsRebuild.some((n) => n.node === a.name && n.rejoin !== null);
    }, 20_000, 'old primary shown as needs rebuild');
    // the rejoin commands are exact: the old primary's data directory, the new primary's port and binaries
    const rejoin = (await getClusterSafety('e2e')).needsRebuild.find((n) => n.node === a.name)!.rejoin!;
    const commands = rejoin.steps.map((st) => st.command).join('\n');
    expect(commands).toContain(`--target-pgdata=${a.dataDir}`);
    expect(commands).toContain(`port=${b.port}`);
    expect(commands).not.toContain('$PGDATA');
    console.log(`e2e promotion test: ${Date.now() - t0} ms`);
  });
});

describe('races', () => {
  it('20 concurrent approvals by the same operator: exactly one accepted, the rest 409', async () => {
    const pg = await startRealCluster('race1', 1, 'promo-ctx');
    clusters.push(pg);
    await waitForHealthy('race1');
    await pg.primary.killPg();
    await waitForVerdict('race1', pg.nodes[1].name, 'GATED');
    const [op1, op2] = [await makeOperator('r1'), await makeOperator('r2')];
    const { id } = await requestPromotion({ actor: op1, cluster: 'race1', candidate: pg.nodes[1].name, reason: 'race' });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => approvePromotion({ actor: op2, id, password: PASSWORD })));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(rejected).toHaveLength(19);
    for (const r of rejected) expect((r.reason as AppError).status).toBe(409);
    expect(await db.promotionApproval.count({ where: { promotionId: id } })).toBe(1);
    expect((await getPromotion(id)).status).toBe('PENDING');
  });

  it('two approved requests for one cluster, two executors racing: one epoch claim wins, exactly one promote', async () => {
    const pg = await startRealCluster('race2', 2, 'promo-ctx');
    clusters.push(pg);
    const [, b] = pg.nodes;
    await waitForHealthy('race2');
    await pg.primary.killPg();
    await waitForVerdict('race2', b.name, 'GATED');
    const [op1, op2, op3] = [await makeOperator('x1'), await makeOperator('x2'), await makeOperator('x3')];
    const { id } = await requestPromotion({ actor: op1, cluster: 'race2', candidate: b.name, reason: 'race' });
    await approvePromotion({ actor: op2, id, password: PASSWORD });
    await approvePromotion({ actor: op3, id, password: PASSWORD });
    // a second request for the same cluster and epoch (as if the one-open-request guard had been bypassed)
    const first = await db.promotionRequest.findUniqueOrThrow({ where: { id }, include: { approvals: true } });
    const { id: _i, createdAt: _c, updatedAt: _u, approvals, ...copy } = first;
    const second = await db.promotionRequest.create({
      data: { ...copy, verdict: copy.verdict as object, observedLsns: copy.observedLsns as object, approvals: { create: approvals.map(({ id: _a, promotionId: _p, observedLsns, ...ap }) => ({ ...ap, observedLsns: observedLsns as object })) } },
    });
    const outs = await Promise.all([runExecutorOnce({ executorId: 'exec-1' }), runExecutorOnce({ executorId: 'exec-2' })]);
    const statuses = outs.map((o) => o?.status).sort();
    expect(statuses).toEqual(['COMPLETED', 'FAILED']);
    const views = [await getPromotion(id), await getPromotion(second.id)];
    const failed = views.find((v) => v.status === 'FAILED')!;
    expect(failed.steps.find((s) => s.status === 'failed')?.name).toBe('claim-epoch');
    const promoteCalls = views.flatMap((v) => v.steps).filter((s) => s.name === 'promote' && s.status === 'started');
    expect(promoteCalls).toHaveLength(1);
    expect((await db.cluster.findUniqueOrThrow({ where: { name: 'race2' } })).epoch).toBe(1);
    expect((await b.agent!.status()).postgres.role).toBe('primary');
    // the other replica was never promoted
    expect((await pg.nodes[2].agent!.status()).postgres.role).toBe('replica');
  });

  it('an executor killed mid-execution: the request resumes with the same epoch and never promotes twice', async () => {
    const pg = await startRealCluster('crash', 1, 'promo-ctx');
    clusters.push(pg);
    const [, b] = pg.nodes;
    await waitForHealthy('crash');
    await pg.primary.killPg();
    await waitForVerdict('crash', b.name, 'GATED');
    const [op1, op2] = [await makeOperator('c1'), await makeOperator('c2')];
    const { id } = await requestPromotion({ actor: op1, cluster: 'crash', candidate: b.name, reason: 'crash test' });
    await approvePromotion({ actor: op1, id, password: PASSWORD });
    await approvePromotion({ actor: op2, id, password: PASSWORD });

    // dies right after the promote call returned, before recording it
    await crashAfterPromoteCall(id);
    const tlAfterFirst = (await b.agent!.status()).postgres.timeline;
    // while the lease holds, nobody else picks it up; then the survivor resumes with one promote call
    await resumeAfterLease(id);
    // promoted once: the timeline did not move again
    expect((await b.agent!.status()).postgres.timeline).toBe(tlAfterFirst);
    expect((await db.cluster.findUniqueOrThrow({ where: { name: 'crash' } })).epoch).toBe(1);
  });
});
