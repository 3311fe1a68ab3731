// Class 1 (docs/safety.md "Epochs and fencing"): an attestation covers an old primary that is
// unreachable at execution time, never a fence that was attempted and failed. Real faults: the old
// primary's postmaster frozen with SIGSTOP (its stop times out), an unwritable agent state directory.
import { describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { sleep } from '@/lib/base/sleep';
import { approvePromotion } from '@/lib/promotion/approve-promotion';
import { runExecutorOnce } from '@/lib/promotion/execute-promotion';
import { getPromotion } from '@/lib/promotion/get-promotion';
import { requestPromotion } from '@/lib/promotion/request-promotion';
import { freezeProcess, makeDirUnwritable, postmasterPid, waitFor, type TPgCluster } from '../support/pg-cluster';
import { makeOperator, PASSWORD, promotionTestSuite, restartAgentWith, startRealCluster, waitForHealthy, waitForVerdict, writableNodes } from '../support/promotion-support';

const { clusters } = promotionTestSuite('fence-ctx');

/**
 * The old primary's PostgreSQL and agent are down; the operators attest it and approve. Returns the
 * approved request's id (the attestation is on it).
 */
async function attestedRequest(name: string, pg: TPgCluster) {
  const [a, b] = pg.nodes;
  await waitForHealthy(name);
  await a.killPg();
  await a.agent!.stop();
  // b must not stream from a again once a's PostgreSQL is started by "its init system" below
  await b.disconnectReplication();
  // until Vakt has seen a's agent gone: then the attestation is what stands in for the fence
  const safety = await waitForVerdict(name, b.name, 'GATED', 30_000, { reason: 'OLD_PRIMARY_NOT_FENCEABLE' });
  const cand = safety.candidates.find((c) => c.node === b.name)!;
  expect(cand.requiresAttestation).toBe(true);
  expect(cand.attestationText).toBe(`fenced ${a.name}`);
  const [op1, op2] = [await makeOperator(`${name}-1`), await makeOperator(`${name}-2`)];
  const { id } = await requestPromotion({ actor: op1, cluster: name, candidate: b.name, reason: 'old primary host lost' });
  await approvePromotion({ actor: op1, id, password: PASSWORD, attestation: `fenced ${a.name}` });
  const approved = await approvePromotion({ actor: op2, id, password: PASSWORD, attestation: `fenced ${a.name}` });
  expect(approved.status).toBe('APPROVED');
  expect((await db.promotionRequest.findUniqueOrThrow({ where: { id } })).attestation).toBe(`fenced ${a.name}`);
  return id;
}

/** The request ended FAILED at the fence with the agent's error; nothing was promoted. */
async function expectFenceFailed(name: string, pg: TPgCluster, id: string, code: RegExp) {
  const [a, b] = pg.nodes;
  const out = await runExecutorOnce({ executorId: `${name}-executor` });
  const view = await getPromotion(id);
  expect(out?.status, JSON.stringify(view.steps, null, 1)).toBe('FAILED');
  expect(view.status).toBe('FAILED');
  const failed = view.steps.find((s) => s.status === 'failed')!;
  expect(failed.name).toBe('fence');
  expect(failed.detail).toMatch(new RegExp(`fencing ${a.name} failed`));
  expect(failed.detail).toMatch(code);
  expect(failed.detail).toMatch(/attestation .* does not stand in/);
  expect(view.steps.some((s) => s.name === 'promote')).toBe(false);
  expect(await db.auditEvent.count({ where: { targetId: id, action: 'promotion.fence_attested' } })).toBe(0);
  // nothing promoted: b is still a replica
  const [{ rec }] = await b.psql<{ rec: boolean }>('SELECT pg_is_in_recovery() AS rec');
  expect(rec).toBe(true);
  expect((await b.agent!.status()).postgres.role).toBe('replica');
}

describe('a fence that was attempted and failed stops the promotion, even with an attestation', () => {
  it("the old primary's postmaster frozen (SIGSTOP): the stop times out, FAILED with the fence error; after the thaw at most one node accepts writes", async () => {
    const t0 = Date.now();
    const pg = await startRealCluster('fence-stop', 1, 'fence-ctx');
    clusters.push(pg);
    const [a] = pg.nodes;
    const id = await attestedRequest('fence-stop', pg);

    // The old primary's PostgreSQL comes back (its init system started it) and hangs; its agent
    // comes back before the execution, with short stop timeouts (the real ones are 60 s + 30 s).
    await a.startPg();
    const frozen = freezeProcess(postmasterPid(a));
    await restartAgentWith(a, { VAKT_AGENT_STOP_TIMEOUT_SECONDS: '2', VAKT_AGENT_IMMEDIATE_STOP_TIMEOUT_SECONDS: '1' });

    await expectFenceFailed('fence-stop', pg, id, /FENCE_FAILED 500/);

    // thaw: the pending stop signals reach the postmaster; the fence left standby.signal behind
    frozen.thaw();
    await sleep(1500);
    expect((await writableNodes(pg)).length).toBeLessThanOrEqual(1);
    // the request can be retried: a FAILED request is not open, so a new one may be made once the verdict allows it
    expect(await db.promotionRequest.count({ where: { cluster: { name: 'fence-stop' }, status: { in: ['PENDING', 'APPROVED', 'EXECUTING'] } } })).toBe(0);
    console.log(`fence-failed (frozen postmaster): ${Date.now() - t0} ms`);
  });

  it("the old primary's agent cannot write its state: FAILED with the fence error; the old primary's PostgreSQL started later is the only writer", async () => {
    const t0 = Date.now();
    const pg = await startRealCluster('fence-state', 1, 'fence-ctx');
    clusters.push(pg);
    const [a] = pg.nodes;
    const id = await attestedRequest('fence-state', pg);

    // The old primary's agent is back before the execution (PostgreSQL there still down), but its state directory is unwritable.
    const locked = makeDirUnwritable(a.agent!.stateDir);
    try {
      await a.agent!.start();
      await expectFenceFailed('fence-state', pg, id, /500/);
    } finally {
      locked.restore();
    }
    // The init system starts the old primary's PostgreSQL: it is a primary (never fenced), and the only writer.
    await a.startPg();
    await waitFor(async () => (await writableNodes(pg)).length === 1, 10_000, 'one writable node');
    expect(await writableNodes(pg)).toEqual([a.name]);
    console.log(`fence-failed (unwritable state): ${Date.now() - t0} ms`);
  });
});
