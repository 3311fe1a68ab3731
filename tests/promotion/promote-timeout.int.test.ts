// Class 3 (docs/safety.md "Epochs and fencing"): a promote that times out is not forgotten. The
// candidate's startup (recovery) process is frozen with SIGSTOP while it is told to promote, so
// pg_promote(wait) gives up; PostgreSQL goes on promoting once thawed. Meanwhile the request stays
// EXECUTING with its promote step `unknown` and every other promotion is blocked (CANDIDATE_PROMOTING).
import { describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { AppError } from '@/lib/base/errors';
import { sleep } from '@/lib/base/sleep';
import { approvePromotion } from '@/lib/promotion/approve-promotion';
import { runExecutorOnce } from '@/lib/promotion/execute-promotion';
import { getClusterSafety } from '@/lib/promotion/get-cluster-safety';
import { getPromotion } from '@/lib/promotion/get-promotion';
import { requestPromotion } from '@/lib/promotion/request-promotion';
import { abandonPromote } from '@/lib/promotion/abandon-promote';
import { auxiliaryPid, freezeProcess, waitFor } from '../support/pg-cluster';
import { makeOperator, PASSWORD, promotionTestSuite, restartAgentWith, startRealCluster, waitForHealthy, waitForVerdict, writableNodes } from '../support/promotion-support';

const { clusters } = promotionTestSuite('slow-ctx');

const RECHECK_MS = 300;
const executor = (id: string) => runExecutorOnce({ executorId: id, promoteRecheckMs: RECHECK_MS, promoteOverdueMs: 3_000 });

/**
 * A (primary) + B + C; A crashes; B's promotion approved by two operators, with B's agent waiting only
 * 2 s for pg_promote (VAKT_AGENT_PROMOTE_WAIT_SECONDS; the default is 30 s), and B's startup (recovery)
 * process frozen: the promote request stays pending inside PostgreSQL.
 */
async function approvedWithFrozenRecovery(name: string) {
  const pg = await startRealCluster(name, 2, 'slow-ctx');
  clusters.push(pg);
  const [a, b, c] = pg.nodes;
  await restartAgentWith(b, { VAKT_AGENT_PROMOTE_WAIT_SECONDS: '2' });
  await waitForHealthy(name);
  await a.killPg();
  await waitForVerdict(name, b.name, 'GATED');
  const [op1, op2] = [await makeOperator(`${name}1`), await makeOperator(`${name}2`)];
  const { id } = await requestPromotion({ actor: op1, cluster: name, candidate: b.name, reason: 'primary crashed' });
  await approvePromotion({ actor: op1, id, password: PASSWORD });
  await approvePromotion({ actor: op2, id, password: PASSWORD });
  const startup = freezeProcess(auxiliaryPid(b, 'startup'));
  return { pg, b, c, op1, op2, id, startup };
}

describe('a promote that times out', () => {
  it('stays EXECUTING with promote `unknown`, blocks every other promotion (CANDIDATE_PROMOTING), and completes on the observed role after the thaw', async () => {
    const t0 = Date.now();
    const { pg, b, c, op2, id, startup } = await approvedWithFrozenRecovery('slow');
    const first = await executor('slow-1');
    let view = await getPromotion(id);
    expect(first?.status, JSON.stringify(view.steps, null, 1)).toBe('PROMOTING');
    expect(view.status).toBe('EXECUTING');
    const unknown = view.steps.filter((s) => s.name === 'promote').at(-1)!;
    expect(unknown.status).toBe('unknown');
    expect(unknown.detail).toMatch(/PROMOTE_FAILED 500|did not finish/);
    expect(view.steps.some((s) => s.status === 'failed')).toBe(false);

    // meanwhile: every other promotion is blocked, a second request is refused, and the watch does not promote
    const safety = await getClusterSafety('slow');
    for (const cand of safety.candidates) {
      expect(cand.verdict).toBe('BLOCKED');
      expect(cand.reasons.map((r) => r.code)).toContain('CANDIDATE_PROMOTING');
    }
    const refused = await requestPromotion({ actor: op2, cluster: 'slow', candidate: c.name, reason: 'another one' }).then(
      () => null,
      (e: AppError) => e,
    );
    expect(refused?.status).toBe(409);
    await sleep(RECHECK_MS + 100);
    expect((await executor('slow-2'))?.status).toBe('PROMOTING');
    // past the overdue bound the watch says so (once) and keeps the cluster blocked
    await sleep(3_000);
    expect((await executor('slow-3'))?.status).toBe('PROMOTING');
    view = await getPromotion(id);
    expect(view.steps.filter((s) => s.name === 'promote-watch' && s.status === 'overdue')).toHaveLength(1);
    expect(view.steps.filter((s) => s.name === 'promote' && s.status === 'started')).toHaveLength(1);
    expect((await c.agent!.status()).postgres.role).toBe('replica');
    expect((await getClusterSafety('slow')).candidates.find((x) => x.node === c.name)?.reasons.map((r) => r.code)).toContain('CANDIDATE_PROMOTING');

    // thaw: PostgreSQL finishes the promote it was asked for; the request ends on what is observed
    startup.thaw();
    await waitFor(async () => (await b.agent!.status()).postgres.role === 'primary', 20_000, `${b.name} primary after the thaw`);
    await sleep(RECHECK_MS + 100);
    const done = await executor('slow-4');
    view = await getPromotion(id);
    expect(done?.status, JSON.stringify(view.steps, null, 1)).toBe('COMPLETED');
    expect(view.status).toBe('COMPLETED');
    expect(view.steps.filter((s) => s.name === 'promote').map((s) => s.status)).toEqual(['started', 'unknown', 'ok']);
    expect(view.steps.find((s) => s.name === 'promote' && s.status === 'ok')?.detail).toMatch(/observed/);
    expect(view.steps.some((s) => s.name === 'verify' && s.status === 'ok')).toBe(true);
    expect((await db.cluster.findUniqueOrThrow({ where: { name: 'slow' } })).epoch).toBe(1);
    // one promotion: c was never promoted; only b accepts writes
    expect((await c.agent!.status()).postgres.role).toBe('replica');
    expect(await writableNodes(pg)).toEqual([b.name]);
    // the block is gone with the promotion
    await waitFor(async () => !(await getClusterSafety('slow')).candidates.some((x) => x.reasons.some((r) => r.code === 'CANDIDATE_PROMOTING')), 10_000, 'no CANDIDATE_PROMOTING');
    console.log(`promote-timeout: ${Date.now() - t0} ms`);
  });

  it("a candidate restarted during an unknown promote never finishes it: an operator abandons the promote, the candidate is fenced first, and the block lifts", async () => {
    const t0 = Date.now();
    const { pg, b, c, op1, op2, id, startup } = await approvedWithFrozenRecovery('drop');
    expect((await executor('drop-1'))?.status).toBe('PROMOTING');

    // b crashes and restarts before its recovery ever acted on the promote: PostgreSQL removes a pending
    // promote signal when it starts, so b stays a replica and the watch could wait forever
    await b.stopPg('immediate');
    startup.thaw();
    await b.startPg();
    await waitFor(async () => (await b.agent!.status()).postgres.reachable, 20_000, `${b.name} back`);
    expect((await b.agent!.status()).postgres.role).toBe('replica');
    await sleep(RECHECK_MS + 100);
    expect((await executor('drop-2'))?.status).toBe('PROMOTING');
    expect((await getClusterSafety('drop')).candidates.find((x) => x.node === c.name)?.reasons.map((r) => r.code)).toContain('CANDIDATE_PROMOTING');

    // a wrong password changes nothing
    await expect(abandonPromote({ actor: op2, id, reason: 'b restarted', password: 'not the password' })).rejects.toMatchObject({ status: 403 });
    expect((await getPromotion(id)).status).toBe('EXECUTING');

    // abandoned: b is fenced with the request's epoch first, then the request ends FAILED
    const r = await abandonPromote({ actor: op2, id, reason: 'b restarted: its promote signal is gone', password: PASSWORD });
    expect(r.status).toBe('FAILED');
    const view = await getPromotion(id);
    expect(view.status).toBe('FAILED');
    const step = view.steps.filter((s) => s.name === 'abandon').at(-1)!;
    expect(step.status).toBe('ok');
    expect(step.detail).toMatch(new RegExp(`${b.name} fenced with epoch 1 .*cannot finish promoting`));
    const st = await b.agent!.status();
    expect(st.fencing).toMatchObject({ fenced: true, epoch: 1 });
    expect(st.postgres.reachable).toBe(false);
    expect(await db.auditEvent.count({ where: { action: 'promotion.abandoned', targetId: id } })).toBe(1);
    await expect(abandonPromote({ actor: op1, id, reason: 'again', password: PASSWORD })).rejects.toMatchObject({ status: 409 });

    // the block lifts; b itself is fenced and stopped (never a candidate until rebuilt), c can be requested
    await waitFor(async () => !(await getClusterSafety('drop')).candidates.some((x) => x.reasons.some((rr) => rr.code === 'CANDIDATE_PROMOTING')), 10_000, 'no CANDIDATE_PROMOTING');
    await waitForVerdict('drop', b.name, 'BLOCKED', 10_000, { reason: 'CANDIDATE_UNREACHABLE' });
    expect(await requestPromotion({ actor: op1, cluster: 'drop', candidate: c.name, reason: 'after the abandon' })).toMatchObject({ status: 'PENDING' });
    expect(await writableNodes(pg)).toEqual([]);
    console.log(`promote abandoned: ${Date.now() - t0} ms`);
  });
});
