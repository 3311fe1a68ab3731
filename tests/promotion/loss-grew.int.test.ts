// Class 7 on real PostgreSQL (docs/safety.md "Approvals are bound to the size of the loss"): a
// promotion approved for a small loss must not execute once the loss has grown. The candidate's WAL
// receiver is stopped (primary_conninfo = '' + reload), so what it received lags while the primary
// keeps writing; the approvals are given while the primary is down and the candidate only a few
// hundred bytes behind; then the primary comes back, writes ~2 MB that the candidate never receives,
// and dies again. The executor must send the request back to PENDING with LOSS_GREW and both numbers;
// the approvals lapse; approving again for the new estimate executes.
import { describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { cliActor } from '@/lib/auth/actor';
import { createApiToken } from '@/lib/auth/tokens';
import { lsnToBigInt } from '@/lib/pg';
import { approvePromotion } from '@/lib/promotion/approve-promotion';
import { runExecutorOnce } from '@/lib/promotion/execute-promotion';
import { getClusterSafety } from '@/lib/promotion/get-cluster-safety';
import { getPromotion, type TPromotionView } from '@/lib/promotion/get-promotion';
import { requestPromotion } from '@/lib/promotion/request-promotion';
import { WAL_PAGE_BYTES } from '@/lib/promotion/rules';
import { GET as promotionRoute } from '@/app/api/v1/promotions/[id]/route';
import { waitFor } from '../support/pg-cluster';
import { executeToCompletion, makeOperator, PASSWORD, promotionTestSuite, startRealCluster, waitForHealthy, waitForVerdict } from '../support/promotion-support';

const { clusters } = promotionTestSuite('loss-ctx');

describe('LOSS_GREW: approvals are bound to the size of the loss', () => {
  it('approved for a few hundred bytes, the primary returns and writes 2 MB the candidate never receives, dies again -> the executor does not promote, PENDING with LOSS_GREW and both numbers, approvals lapse; approving again executes', async () => {
    const t0 = Date.now();
    const pg = await startRealCluster('lossgrew', 1, 'loss-ctx');
    clusters.push(pg);
    const [a, b] = pg.nodes;
    await a.psql('CREATE TABLE t (id int, pad text)');
    await a.psql('INSERT INTO t SELECT g, NULL FROM generate_series(1, 10) g');
    await pg.waitForReplay();
    await waitForHealthy('lossgrew');

    // the candidate stops receiving WAL; the primary writes a little more, is observed, then crashes
    await b.disconnectReplication();
    await a.psql('INSERT INTO t SELECT g, NULL FROM generate_series(11, 20) g');
    const [{ lsn: smallLsn }] = await a.psql<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    await waitFor(async () => {
      const p = (await getClusterSafety('lossgrew')).primary;
      return p?.node === a.name && p.lsn !== null && lsnToBigInt(p.lsn) >= lsnToBigInt(smallLsn);
    }, 15_000, 'the primary observed at its small LSN', 200);
    await a.killPg();
    const before = await waitForVerdict('lossgrew', b.name, 'GATED');
    const smallEstimate = before.candidates.find((c) => c.node === b.name)!.dataLoss.bytes;
    expect(smallEstimate).not.toBeNull();
    expect(smallEstimate!).toBeLessThan(WAL_PAGE_BYTES);

    const [op1, op2] = [await makeOperator('lg1'), await makeOperator('lg2')];
    const { id } = await requestPromotion({ actor: op1, cluster: 'lossgrew', candidate: b.name, reason: 'primary crashed' });
    expect(await approvePromotion({ actor: op1, id, password: PASSWORD })).toMatchObject({ status: 'PENDING', approvals: 1 });
    expect(await approvePromotion({ actor: op2, id, password: PASSWORD })).toMatchObject({ status: 'APPROVED', approvals: 2 });
    const approved = await getPromotion(id);
    const approvedBytes = Math.min(...approved.approvals.map((x) => x.dataLossBytes!));
    expect(approvedBytes).toBeLessThan(WAL_PAGE_BYTES);

    // before execution: the primary comes back, writes ~2 MB the candidate never receives, Vakt sees it, and it dies again
    await a.startPg();
    await a.psql(`INSERT INTO t SELECT g, repeat('x', 200) FROM generate_series(21, 10020) g`);
    const [{ lsn: bigLsn }] = await a.psql<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    await waitFor(async () => {
      const p = (await getClusterSafety('lossgrew')).primary;
      return p?.node === a.name && p.lsn !== null && lsnToBigInt(p.lsn) >= lsnToBigInt(bigLsn);
    }, 15_000, 'the primary observed at its large LSN', 200);
    await a.killPg();
    const after = await waitForVerdict('lossgrew', b.name, 'GATED');
    const grownEstimate = after.candidates.find((c) => c.node === b.name)!.dataLoss.bytes!;
    expect(grownEstimate).toBeGreaterThan(approvedBytes + WAL_PAGE_BYTES);

    // the executor does not promote: back to PENDING with LOSS_GREW and both numbers
    const out = await runExecutorOnce({ executorId: 'lg-executor' });
    const view = await getPromotion(id);
    expect(out?.status, JSON.stringify(view.steps, null, 1)).toBe('LOSS_GREW');
    expect(view.status).toBe('PENDING');
    expect(view.epochAfter).toBeNull();
    expect(view.pendingReason).toBe('LOSS_GREW');
    expect(view.lossGrew).toMatchObject({ code: 'LOSS_GREW', approvedBytes, allowedBytes: approvedBytes + WAL_PAGE_BYTES });
    expect(view.lossGrew!.freshBytes).toBeGreaterThan(approvedBytes + WAL_PAGE_BYTES);
    expect(view.lossGrew!.lapsedApprovals.sort()).toEqual([op1.label, op2.label].sort());
    const step = view.steps.find((s) => s.name === 'evaluate' && s.status === 'loss-grew');
    expect(step?.detail).toContain(`LOSS_GREW: approved ${approvedBytes} bytes, fresh ${view.lossGrew!.freshBytes} bytes`);
    expect(view.steps.some((s) => s.name === 'promote')).toBe(false);
    expect((await db.cluster.findUniqueOrThrow({ where: { name: 'lossgrew' } })).epoch).toBe(0);
    expect((await b.agent!.status()).postgres.role).toBe('replica');
    // the request is rebound to the fresh estimate
    expect(view.estimatedLossBytes).toBe(view.lossGrew!.freshBytes);

    // the approvals lapsed (kept, marked) and no longer count
    expect(view.approvals).toHaveLength(2);
    expect(view.approvals.every((x) => x.lapsed)).toBe(true);
    expect(view.approvalsGiven).toBe(0);
    expect(await runExecutorOnce({ executorId: 'lg-executor' })).toBeNull();
    // the audit has both numbers
    const auditRow = await db.auditEvent.findFirstOrThrow({ where: { action: 'promotion.loss_grew', targetId: id } });
    expect(auditRow.after).toMatchObject({ status: 'PENDING', code: 'LOSS_GREW', approvedBytes, freshBytes: view.lossGrew!.freshBytes });
    expect(await db.auditEvent.count({ where: { action: 'promotion.approved', targetId: id } })).toBe(2);

    // the API shows the reason and both numbers
    const { token } = await createApiToken({ actor: cliActor(), input: { name: `lg-viewer-${Date.now()}`, role: 'viewer' } });
    const res = await promotionRoute(new Request(`http://localhost/api/v1/promotions/${id}`, { headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve({ id }) });
    expect(res.status).toBe(200);
    const api = (await res.json()) as TPromotionView;
    expect(api).toMatchObject({ status: 'PENDING', pendingReason: 'LOSS_GREW', lossGrew: { code: 'LOSS_GREW', approvedBytes, freshBytes: view.lossGrew!.freshBytes } });

    // approving again, bound to the new estimate: one approval is not enough, two execute
    expect(await approvePromotion({ actor: op1, id, password: PASSWORD })).toMatchObject({ status: 'PENDING', approvals: 1 });
    expect(await approvePromotion({ actor: op2, id, password: PASSWORD })).toMatchObject({ status: 'APPROVED', approvals: 2 });
    const again = await getPromotion(id);
    expect(again.approvals.every((x) => !x.lapsed && x.dataLossBytes !== null && x.dataLossBytes >= view.lossGrew!.freshBytes! - WAL_PAGE_BYTES)).toBe(true);
    const done = await executeToCompletion('lg-executor', id);
    expect(done.steps.some((s) => s.name === 'evaluate' && s.status === 'ok')).toBe(true);
    expect((await b.agent!.status()).postgres.role).toBe('primary');
    console.log(`loss-grew test: ${Date.now() - t0} ms`);
  });
});
