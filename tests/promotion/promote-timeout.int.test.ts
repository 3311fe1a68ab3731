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
import { auxiliaryPid, freezeProcess, waitFor } from '../support/pg-cluster';
import { makeOperator, PASSWORD, promotionTestSuite, restartAgentWith, startRealCluster, waitForHealthy, waitForVerdict, writableNodes } from '../support/promotion-support';

const { clusters } = promotionTestSuite('slow-ctx');

const RECHECK_MS = 300;
const executor = (id: string) => runExecutorOnce({ executorId: id, promoteRecheckMs: RECHECK_MS, promoteOverdueMs: 3_000 });

describe('a promote that times out', () => {
  it('stays EXECUTING with promote `unknown`, blocks every other promotion (CANDIDATE_PROMOTING), and completes on the observed role after the thaw', async () => {
    const t0 = Date.now();
    const pg = await startRealCluster('slow', 2, 'slow-ctx');
    clusters.push(pg);
    const [a, b, c] = pg.nodes;
    // b's agent waits only 2 s for pg_promote (VAKT_AGENT_PROMOTE_WAIT_SECONDS; the default is 30 s)
    await restartAgentWith(b, { VAKT_AGENT_PROMOTE_WAIT_SECONDS: '2' });
    await waitForHealthy('slow');
    await a.killPg();
    await waitForVerdict('slow', b.name, 'GATED');
    const [op1, op2] = [await makeOperator('s1'), await makeOperator('s2')];
    const { id } = await requestPromotion({ actor: op1, cluster: 'slow', candidate: b.name, reason: 'primary crashed' });
    await approvePromotion({ actor: op1, id, password: PASSWORD });
    await approvePromotion({ actor: op2, id, password: PASSWORD });

    // b's recovery hangs: the promote request stays pending inside PostgreSQL
    const startup = freezeProcess(auxiliaryPid(b, 'startup'));
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
});
