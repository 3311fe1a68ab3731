// Scheduled switchover windows (issue 15) on real PostgreSQL with real agents: an approved scheduled
// switchover whose window ends before it could run ends EXPIRED with nothing executed — when the window
// passes without a run (the worker's expiry), and when the verdict at the window's start no longer allows
// it (the candidate stopped) — and its approvals do not carry over to the next request.
import { describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { sleep } from '@/lib/base/sleep';
import { approvePromotion } from '@/lib/promotion/approve-promotion';
import { runExecutorOnce } from '@/lib/promotion/execute-promotion';
import { expirePromotions } from '@/lib/promotion/expire-promotions';
import { getPromotion } from '@/lib/promotion/get-promotion';
import { requestSwitchover } from '@/lib/promotion/request-switchover';
import { makeOperator, PASSWORD, promotionTestSuite, waitForHealthy, writableNodes } from '../support/promotion-support';
import { expectStreamsFrom, startSwitchableCluster, waitForSwitchover } from './switchover-support';

const CTX = 'sched-window-ctx';
const { clusters } = promotionTestSuite(CTX, { failover: 'operator-approved', approvalsRequired: 1 });

const EXECUTED = ['claim-epoch', 'stop', 'catch-up', 'promote', 'follow', 'unfence', 'verify'];

describe('scheduled switchover windows', () => {
  it('the window passes without a run, or the verdict at its start refuses it: EXPIRED, nothing executed, approvals gone', async () => {
    const t0 = Date.now();
    const pg = await startSwitchableCluster('sw-win', CTX);
    clusters.push(pg);
    const [a, b] = pg.nodes;
    await waitForHealthy('sw-win');
    await waitForSwitchover('sw-win', b.name);
    const [op1, op2] = [await makeOperator('win-op1'), await makeOperator('win-op2')];
    const executedSteps = async (id: string) => (await getPromotion(id)).steps.filter((s) => EXECUTED.includes(s.name));

    // 1. the window passes with no run (the worker was down): the loop's expiry at a time past its end
    const far = await requestSwitchover({ actor: op1, cluster: 'sw-win', candidate: b.name, reason: 'scheduled: kernel update', scheduledAt: new Date(Date.now() + 3_600_000) });
    await approvePromotion({ actor: op2, id: far.id, password: PASSWORD });
    const windowEnd = new Date(far.windowEnd!);
    // (expiry is fleet-wide: other files' requests in this database may expire too, so judge this one by id)
    await expirePromotions(new Date(windowEnd.getTime() - 1_000));
    expect((await getPromotion(far.id)).status).toBe('APPROVED');
    expect(await expirePromotions(new Date(windowEnd.getTime() + 1_000))).toBeGreaterThanOrEqual(1);
    expect((await getPromotion(far.id)).status).toBe('EXPIRED');
    expect(await runExecutorOnce({ executorId: 'win-exec' })).toBeNull();
    expect(await executedSteps(far.id)).toEqual([]);

    // 2. the verdict at the window's start does not allow it (the candidate stopped after the approval)
    const at = new Date(Date.now() + 3_000);
    const soon = await requestSwitchover({ actor: op1, cluster: 'sw-win', candidate: b.name, reason: 'scheduled: soon', scheduledAt: at });
    expect(await approvePromotion({ actor: op2, id: soon.id, password: PASSWORD })).toMatchObject({ status: 'APPROVED', approvals: 1 });
    await b.stopPg('fast');
    await waitForSwitchover('sw-win', b.name, 'BLOCKED');
    expect(await runExecutorOnce({ executorId: 'win-exec' })).toBeNull(); // not before its time
    await sleep(Math.max(0, at.getTime() - Date.now()) + 300);
    const out = await runExecutorOnce({ executorId: 'win-exec' });
    const view = await getPromotion(soon.id);
    expect(out?.status, JSON.stringify(view.steps, null, 1)).toBe('EXPIRED');
    expect(view.status).toBe('EXPIRED');
    expect(view.epochAfter).toBeNull();
    expect(view.steps.map((s) => `${s.name}:${s.status}`).slice(-3)).toEqual(['execution:started', 'evaluate:refused', 'expire:ok']);
    expect(await executedSteps(soon.id)).toEqual([]);
    expect((await db.cluster.findUniqueOrThrow({ where: { name: 'sw-win' } })).epoch).toBe(0);
    expect(await writableNodes(pg)).toEqual([a.name]);
    const audits = await db.auditEvent.findMany({ where: { targetId: soon.id }, select: { action: true }, orderBy: { id: 'asc' } });
    expect(audits.map((x) => x.action)).toContain('promotion.expired');

    // approvals do not carry over: the candidate back, a new request for the same switchover needs its own
    await b.startPg();
    await expectStreamsFrom(b, a.port, 1);
    await waitForSwitchover('sw-win', b.name);
    const again = await requestSwitchover({ actor: op1, cluster: 'sw-win', candidate: b.name, reason: 'again, now' });
    expect(await getPromotion(again.id)).toMatchObject({ status: 'PENDING', approvalsGiven: 0 });
    expect(await runExecutorOnce({ executorId: 'win-exec' })).toBeNull();
    console.log(`scheduled window expiry: test wall time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
});
