// Planned switchover on real PostgreSQL with real agents (issue 15): zero acknowledged rows lost under a
// continuous write load, the old primary streaming from the new one on the new timeline, epoch +1, the
// measured write gap; and back again. A candidate that cannot catch up (its WAL receiver frozen) rolls
// back with no loss. An executor that dies after the stop while the old primary is started by hand: it
// comes up read-only, and the next executor finishes the switchover; then a scheduled switchover back
// runs at its time, not before.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { sleep } from '@/lib/base/sleep';
import { approvePromotion } from '@/lib/promotion/approve-promotion';
import { runExecutorOnce } from '@/lib/promotion/execute-promotion';
import { getPromotion } from '@/lib/promotion/get-promotion';
import { requestSwitchover } from '@/lib/promotion/request-switchover';
import { getClusterSafety } from '@/lib/promotion/get-cluster-safety';
import { auxiliaryPid, freezeProcess, type TPgCluster } from '../support/pg-cluster';
import { declareContext, makeOperator, PASSWORD, runPoller, waitForHealthy, writableNodes } from '../support/promotion-support';
import { expectAllAcked, expectStreamsFrom, startAckWriter, startSwitchableCluster, timelineOf, waitForSwitchover } from './switchover-support';

const CTX = 'switch-ctx';
const clusters: TPgCluster[] = [];
let poller: { stop: () => Promise<void> } | undefined;
beforeAll(async () => {
  await declareContext(CTX, { failover: 'operator-approved', approvalsRequired: 1 });
  poller = runPoller();
});
afterAll(async () => {
  await poller?.stop();
  await Promise.all(clusters.map((c) => c.cleanup()));
});

async function approvedSwitchover(cluster: string, candidate: string) {
  const [op1, op2] = [await makeOperator('sw-op1'), await makeOperator('sw-op2')];
  const { id } = await requestSwitchover({ actor: op1, cluster, candidate, reason: 'kernel update on the primary' });
  expect(await approvePromotion({ actor: op2, id, password: PASSWORD })).toMatchObject({ status: 'APPROVED', approvals: 1 });
  return id;
}

describe('planned switchover', () => {
  it('under a continuous write load: no acknowledged row lost, the old primary streams from the new one, epoch +1; and back', async () => {
    const t0 = Date.now();
    const pg = await startSwitchableCluster('sw1', CTX);
    clusters.push(pg);
    const [a, b] = pg.nodes;
    await waitForHealthy('sw1');
    await waitForSwitchover('sw1', b.name);
    // the failover verdict of the same healthy cluster keeps PRIMARY_HEALTHY
    expect((await getClusterSafety('sw1')).candidates[0].reasons.map((r) => r.code)).toContain('PRIMARY_HEALTHY');

    const writer = await startAckWriter([a, b]);
    await sleep(700);
    const id = await approvedSwitchover('sw1', b.name);
    const out = await runExecutorOnce({ executorId: 'sw1-executor' });
    const view = await getPromotion(id);
    expect(out?.status, JSON.stringify(view.steps, null, 1)).toBe('COMPLETED');
    await sleep(700);
    const { acked, errors } = await writer.stop();

    expect(view).toMatchObject({ kind: 'switchover', status: 'COMPLETED', epochBefore: 0, epochAfter: 1, switchover: { outcome: 'switched' } });
    for (const s of ['evaluate', 'claim-epoch', 'stop', 'catch-up', 'promote', 'follow', 'unfence', 'verify', 'done']) expect(view.steps.map((x) => `${x.name}:${x.status}`)).toContain(`${s}:ok`);
    expect((await db.cluster.findUniqueOrThrow({ where: { name: 'sw1' } })).epoch).toBe(1);
    expect(await writableNodes(pg)).toEqual([b.name]);
    await expectAllAcked(b, acked);
    const tl = await timelineOf(b);
    expect(tl).toBe(2);
    await expectStreamsFrom(a, b.port, tl);
    expect((await a.agent!.status()).fencing).toMatchObject({ fenced: false, epoch: 1 });
    expect(view.switchover!.writeGapMs).toBeGreaterThan(0);
    console.log(`switchover sw1-a -> sw1-b: Vakt's write gap ${view.switchover!.writeGapMs} ms; the writer's longest gap between acknowledged rows ${writer.longestGapMs()} ms; ${acked.length} rows acknowledged, all on the new primary (${errors} refused writes meanwhile); lag at start ${view.switchover!.lagAtStartBytes} bytes`);

    // back again: the old primary is a good replica now (rebuilt onto the new timeline, unfenced)
    await waitForSwitchover('sw1', a.name);
    const writer2 = await startAckWriter([b, a], { first: 1_000_000 });
    await sleep(500);
    const back = await approvedSwitchover('sw1', a.name);
    expect((await runExecutorOnce({ executorId: 'sw1-executor' }))?.status).toBe('COMPLETED');
    const { acked: acked2 } = await writer2.stop();
    const backView = await getPromotion(back);
    expect(backView).toMatchObject({ status: 'COMPLETED', epochBefore: 1, epochAfter: 2 });
    expect(await writableNodes(pg)).toEqual([a.name]);
    await expectAllAcked(a, [...acked, ...acked2]);
    await expectStreamsFrom(b, a.port, 3);
    console.log(`switchover back sw1-b -> sw1-a: write gap ${backView.switchover!.writeGapMs} ms, writer's longest gap ${writer2.longestGapMs()} ms; test ${Date.now() - t0} ms`);
  });

  it('a candidate that cannot catch up (WAL receiver frozen): rolled back, nothing lost, the old primary writable at epoch +1', async () => {
    const t0 = Date.now();
    // a standby that stops acknowledging holds a fast shutdown until wal_sender_timeout (60 s by default)
    const pg = await startSwitchableCluster('sw2', CTX, { settings: { wal_sender_timeout: '3s' } });
    clusters.push(pg);
    const [a, b] = pg.nodes;
    await waitForHealthy('sw2');
    await waitForSwitchover('sw2', b.name);
    const id = await approvedSwitchover('sw2', b.name);
    const frozen = freezeProcess(auxiliaryPid(b, 'walreceiver'));
    const writer = await startAckWriter([a]);
    await sleep(500);
    const out = await runExecutorOnce({ executorId: 'sw2-executor', catchupTimeoutMs: 3_000 });
    const view = await getPromotion(id);
    expect(out?.status, JSON.stringify(view.steps, null, 1)).toBe('ROLLED_BACK');
    await sleep(500);
    const { acked } = await writer.stop();
    frozen.thaw();

    expect(view).toMatchObject({ kind: 'switchover', status: 'FAILED', epochAfter: 1, switchover: { outcome: 'rolled-back', writeGapMs: null } });
    expect(view.steps.map((s) => `${s.name}:${s.status}`)).toEqual(expect.arrayContaining(['stop:ok', 'catch-up:timeout', 'rollback:started', 'rollback:ok']));
    expect(view.steps.some((s) => s.name === 'promote')).toBe(false);
    expect(await writableNodes(pg)).toEqual([a.name]);
    await a.psql('INSERT INTO acked (id) VALUES (-1)');
    await expectAllAcked(a, acked);
    expect((await a.agent!.status()).fencing).toMatchObject({ fenced: false, epoch: 1 });
    expect(fs.existsSync(path.join(a.dataDir, 'standby.signal'))).toBe(false);
    expect((await db.cluster.findUniqueOrThrow({ where: { name: 'sw2' } })).epoch).toBe(1);
    // the replica streams again from the old primary, and a new switchover can be asked (epoch 1 -> 2)
    await expectStreamsFrom(b, a.port, 1);
    await waitForSwitchover('sw2', b.name);
    console.log(`rollback test: ${acked.length} rows acknowledged, all on ${a.name}; ${Date.now() - t0} ms`);
  });

  it('the executor dies after the stop and the old primary is started by hand: it comes up read-only, the next executor finishes', async () => {
    const pg = await startSwitchableCluster('sw3', CTX);
    clusters.push(pg);
    const [a, b] = pg.nodes;
    await waitForHealthy('sw3');
    await waitForSwitchover('sw3', b.name);
    await a.psql('CREATE TABLE t AS SELECT generate_series(1, 1000) AS id');
    const id = await approvedSwitchover('sw3', b.name);
    expect((await runExecutorOnce({ executorId: 'doomed', leaseMs: 1500, crashAfter: 'stop' }))?.status).toBe('CRASHED');
    // an init system (or a person) starts the stopped old primary: the fence left it read-only, streaming from nobody
    await a.startPg();
    expect((await a.psql<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0].r).toBe(true);
    expect(await writableNodes(pg)).toEqual([]);
    expect(await runExecutorOnce({ executorId: 'early' })).toBeNull();
    await sleep(1700);
    const out = await runExecutorOnce({ executorId: 'survivor' });
    const view = await getPromotion(id);
    expect(out?.status, JSON.stringify(view.steps, null, 1)).toBe('COMPLETED');
    expect(view.steps.some((s) => s.name === 'execution' && s.status === 'resumed')).toBe(true);
    expect(view.steps.filter((s) => s.name === 'stop' && s.status === 'ok')).toHaveLength(1);
    expect(await writableNodes(pg)).toEqual([b.name]);
    expect((await b.psql<{ n: number }>('SELECT count(*)::int AS n FROM t'))[0].n).toBe(1000);
    await expectStreamsFrom(a, b.port, 2);

    // a scheduled switchover back: approved beforehand, not started before its time, then run
    await waitForSwitchover('sw3', a.name);
    const [op1, op2] = [await makeOperator('sw-op3'), await makeOperator('sw-op4')];
    const at = new Date(Date.now() + 4_000);
    const sched = await requestSwitchover({ actor: op1, cluster: 'sw3', candidate: a.name, reason: 'scheduled: back to sw3-a', scheduledAt: at });
    expect(sched.windowEnd).not.toBeNull();
    await approvePromotion({ actor: op2, id: sched.id, password: PASSWORD });
    expect(await runExecutorOnce({ executorId: 'sched' })).toBeNull();
    expect((await getPromotion(sched.id)).status).toBe('APPROVED');
    await sleep(Math.max(0, at.getTime() - Date.now()) + 500);
    const ran = await runExecutorOnce({ executorId: 'sched' });
    const sv = await getPromotion(sched.id);
    expect(ran?.status, JSON.stringify(sv.steps, null, 1)).toBe('COMPLETED');
    expect(sv.switchover).toMatchObject({ scheduledAt: at.toISOString(), outcome: 'switched' });
    expect(await writableNodes(pg)).toEqual([a.name]);
    expect((await a.psql<{ n: number }>('SELECT count(*)::int AS n FROM t'))[0].n).toBe(1000);
  });
});
