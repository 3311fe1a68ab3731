// 3-node clusters (issue 15) on real PostgreSQL with real agents: after a planned switchover, and after a
// promotion, the replicas other than the new and the old primary are re-pointed at the new primary through
// their agents (POST /v1/upstream with the new epoch), each a `repoint` step, and stream from it on the
// new timeline.
import { describe, expect, it } from 'vitest';
import { approvePromotion } from '@/lib/promotion/approve-promotion';
import { runExecutorOnce } from '@/lib/promotion/execute-promotion';
import { getPromotion } from '@/lib/promotion/get-promotion';
import { requestPromotion } from '@/lib/promotion/request-promotion';
import { requestSwitchover } from '@/lib/promotion/request-switchover';
import { settledReceiveLsn, waitFor } from '../support/pg-cluster';
import { makeOperator, PASSWORD, promotionTestSuite, waitForHealthy, waitForVerdict, writableNodes } from '../support/promotion-support';
import { expectAllAcked, expectStreamsFrom, startAckWriter, startSwitchableCluster, timelineOf, waitForSwitchover } from './switchover-support';

const CTX = 'three-node-ctx';
const { clusters } = promotionTestSuite(CTX, { failover: 'operator-approved', approvalsRequired: 1 });

describe('3-node clusters: the other replicas follow the new primary', () => {
  it('switchover a -> b with c: a and c both stream from b on the new timeline, c re-pointed at epoch 1 (a repoint step), no acknowledged row lost', async () => {
    const t0 = Date.now();
    const pg = await startSwitchableCluster('tn1', CTX, { replicas: 2 });
    clusters.push(pg);
    const [a, b, c] = pg.nodes;
    await waitForHealthy('tn1');
    await waitForSwitchover('tn1', b.name);
    const writer = await startAckWriter([a, b]);
    const [op1, op2] = [await makeOperator('tn-op1'), await makeOperator('tn-op2')];
    const { id } = await requestSwitchover({ actor: op1, cluster: 'tn1', candidate: b.name, reason: 'kernel update on a' });
    await approvePromotion({ actor: op2, id, password: PASSWORD });
    const out = await runExecutorOnce({ executorId: 'tn1-executor' });
    const view = await getPromotion(id);
    expect(out?.status, JSON.stringify(view.steps, null, 1)).toBe('COMPLETED');
    const { acked } = await writer.stop();

    const tl = await timelineOf(b);
    expect(tl).toBe(2);
    const repoint = view.steps.filter((s) => s.name === 'repoint');
    expect(repoint.map((s) => s.status)).toEqual(['ok']);
    expect(repoint[0].detail).toMatch(new RegExp(`^${c.name}: primary_conninfo now points at 127\\.0\\.0\\.1:${b.port} \\(was 127\\.0\\.0\\.1:${a.port}\\).*streams from ${b.name} \\(.*:${b.port}\\) on timeline 2 at epoch 1$`));
    expect(await writableNodes(pg)).toEqual([b.name]);
    await expectStreamsFrom(a, b.port, tl);
    await expectStreamsFrom(c, b.port, tl);
    expect((await c.agent!.status()).fencing).toMatchObject({ fenced: false, epoch: 1 });
    await expectAllAcked(b, acked);
    await b.psql('INSERT INTO acked (id) VALUES (-1)');
    await waitFor(async () => (await c.psql<{ n: number }>('SELECT count(*)::int AS n FROM acked WHERE id = -1'))[0].n === 1, 10_000, 'c replays a row written on b');
    console.log(`3-node switchover: c re-pointed (${(repoint[0].detail ?? '').slice(0, 80)}…); write gap ${view.switchover!.writeGapMs} ms; test wall time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it('promotion after the primary stops: the other replica is re-pointed at the new primary and streams on timeline 2 (the old primary is left for a rejoin)', async () => {
    const t0 = Date.now();
    const pg = await startSwitchableCluster('tn2', CTX, { replicas: 2 });
    clusters.push(pg);
    const [a, r1, r2] = pg.nodes;
    await a.psql('CREATE TABLE t (id int)');
    await a.psql('INSERT INTO t SELECT generate_series(1, 100)');
    await pg.waitForReplay();
    await waitForHealthy('tn2');
    // a stops cleanly (its walsenders send both replicas all of its WAL); the replica with the most WAL is promoted
    await a.stopPg('fast');
    const received = async (n: typeof r1) => BigInt((await n.psql<{ d: string }>(`SELECT pg_wal_lsn_diff('${await settledReceiveLsn(n)}', '0/0')::text AS d`))[0].d);
    const [l1, l2] = [await received(r1), await received(r2)];
    const [b, c] = l1 >= l2 ? [r1, r2] : [r2, r1];
    await waitForVerdict('tn2', b.name, 'GATED');
    const [op1, op2] = [await makeOperator('tn-op3'), await makeOperator('tn-op4')];
    const { id } = await requestPromotion({ actor: op1, cluster: 'tn2', candidate: b.name, reason: 'primary down' });
    await approvePromotion({ actor: op2, id, password: PASSWORD });
    const out = await runExecutorOnce({ executorId: 'tn2-executor' });
    const view = await getPromotion(id);
    expect(out?.status, JSON.stringify(view.steps, null, 1)).toBe('COMPLETED');
    const repoint = view.steps.filter((s) => s.name === 'repoint');
    expect(repoint.map((s) => s.status)).toEqual(['ok']);
    expect(repoint[0].detail).toMatch(new RegExp(`^${c.name}: primary_conninfo now points at 127\\.0\\.0\\.1:${b.port}.*on timeline 2 at epoch 1$`));
    await expectStreamsFrom(c, b.port, 2);
    await b.psql('INSERT INTO t VALUES (101)');
    await waitFor(async () => (await c.psql<{ n: number }>('SELECT count(*)::int AS n FROM t'))[0].n === 101, 10_000, 'c replays a row written on b');
    expect(await writableNodes(pg)).toEqual([b.name]);
    console.log(`3-node promotion: c re-pointed; test wall time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
});
