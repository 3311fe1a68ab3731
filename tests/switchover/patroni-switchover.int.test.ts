// Planned switchover of a real Patroni 3.0 + etcd cluster (issue 15, Patroni): Vakt keeps the schedule,
// claims epoch N+1, asks the leader's Patroni for an immediate switchover (POST /switchover {leader,
// candidate}), verifies the new leader on a newer timeline and the old leader as its replica, and
// records the write gap. Under a continuous write load: every acknowledged row on the new leader. Then
// back again with the cluster paused (maintenance: Patroni accepts a switchover to a named candidate).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { sleep } from '@/lib/base/sleep';
import { pgQuery } from '../../scripts/pglocal/query.ts';
import { approvePromotion } from '@/lib/promotion/approve-promotion';
import { runExecutorOnce } from '@/lib/promotion/execute-promotion';
import { getPromotion } from '@/lib/promotion/get-promotion';
import { requestSwitchover } from '@/lib/promotion/request-switchover';
import { patroniSql, type TPatroniCluster, type TPatroniNode } from '../support/patroni';
import { waitFor } from '../support/pg-cluster';
import { makeOperator, PASSWORD, registeredPatroniCluster, waitForHealthy } from '../support/promotion-support';
import { expectAllAcked, startAckWriter, waitForSwitchover, type TSqlNode } from './switchover-support';

const NAME = 'psw';
let patroni: { p: TPatroniCluster; stop(): Promise<void> } | undefined;
beforeAll(async () => void (patroni = await registeredPatroniCluster(NAME)), 180_000);
afterAll(async () => patroni?.stop());

/** Runs the executor once: the switchover COMPLETED with epoch `epochAfter` and every Patroni step recorded. */
async function executeSwitchover(id: string, epochAfter: number) {
  const out = await runExecutorOnce({ executorId: 'psw-executor' });
  const view = await getPromotion(id);
  expect(out?.status, JSON.stringify(view.steps, null, 1)).toBe('COMPLETED');
  expect(view).toMatchObject({ kind: 'switchover', status: 'COMPLETED', epochBefore: epochAfter - 1, epochAfter, switchover: { outcome: 'switched' } });
  // `stop started`: the switchover asked of Patroni (the write gap's start); Patroni's answer is the `promote` step
  const steps = view.steps.map((x) => `${x.name}:${x.status}`);
  for (const s of ['evaluate:ok', 'claim-epoch:ok', 'stop:started', 'promote:ok', 'follow:ok', 'verify:ok', 'done:ok']) expect(steps).toContain(s);
  expect((await db.cluster.findUniqueOrThrow({ where: { name: NAME } })).epoch).toBe(epochAfter);
  expect(view.switchover!.writeGapMs).toBeGreaterThan(0);
  return view;
}

function sqlNode(n: TPatroniNode): TSqlNode {
  const pgUrl = `postgresql://postgres@127.0.0.1:${n.pgPort}/postgres`;
  return { name: n.name, pgUrl, psql: (sql, params) => pgQuery(pgUrl, sql, params) };
}

async function approvedSwitchover(candidate: string, label: string) {
  const [op1, op2] = [await makeOperator(`${label}-1`), await makeOperator(`${label}-2`)];
  const { id } = await requestSwitchover({ actor: op1, cluster: NAME, candidate, reason: 'kernel update on the leader' });
  expect(await approvePromotion({ actor: op2, id, password: PASSWORD })).toMatchObject({ status: 'APPROVED', approvals: 1 });
  return id;
}

/** Patroni lists `node` as a replica on `timeline`, and its WAL receiver streams from `upstream`. */
async function expectFollows(node: TPatroniNode, upstream: TPatroniNode, timeline: number) {
  await waitFor(async () => {
    const [r] = await patroniSql<{ status: string; tli: number; port: number }>(node, 'SELECT status, received_tli AS tli, sender_port AS port FROM pg_stat_wal_receiver');
    return r?.status === 'streaming' && r.tli === timeline && r.port === upstream.pgPort;
  }, 30_000, `${node.name} streaming from ${upstream.name} on timeline ${timeline}`, 250);
  expect((await patroniSql<{ r: boolean }>(node, 'SELECT pg_is_in_recovery() AS r'))[0].r).toBe(true);
}

async function timelineOf(n: TPatroniNode): Promise<number> {
  const [{ f }] = await patroniSql<{ f: string }>(n, 'SELECT pg_walfile_name(pg_current_wal_lsn()) AS f');
  return parseInt(f.slice(0, 8), 16);
}

describe('planned switchover of a Patroni cluster', () => {
  it('under a continuous write load: epoch +1, the candidate leads on a new timeline, the old leader follows it, no acknowledged row lost; and back while paused', async () => {
    const t0 = Date.now();
    const { p } = patroni!;
    await waitForHealthy(NAME, 60_000);
    const leader = await p.leader();
    const replica = p.nodes.find((n) => n !== leader)!;
    await waitForSwitchover(NAME, replica.name, 'GATED', 60_000);
    const tl0 = await timelineOf(leader);

    const writer = await startAckWriter([sqlNode(leader), sqlNode(replica)]);
    await sleep(700);
    const view = await executeSwitchover(await approvedSwitchover(replica.name, 'psw-op'), 1);
    await sleep(700);
    const { acked, errors } = await writer.stop();
    expect((await p.leader()).name).toBe(replica.name);
    const tl1 = await timelineOf(replica);
    expect(tl1).toBeGreaterThan(tl0);
    await expectFollows(leader, replica, tl1);
    await expectAllAcked(sqlNode(replica), acked);
    console.log(`Patroni switchover ${leader.name} -> ${replica.name}: Vakt's write gap ${view.switchover!.writeGapMs} ms; the writer's longest gap between acknowledged rows ${writer.longestGapMs()} ms; ${acked.length} rows acknowledged, all on the new leader (${errors} refused writes meanwhile); ${Date.now() - t0} ms`);

    // back again while Patroni is paused (maintenance mode pauses it): a switchover to a named candidate still runs
    await p.setPause(true);
    await waitForSwitchover(NAME, leader.name, 'GATED', 60_000);
    const writer2 = await startAckWriter([sqlNode(replica), sqlNode(leader)], { first: 1_000_000 });
    await sleep(500);
    const backView = await executeSwitchover(await approvedSwitchover(leader.name, 'psw-op-b'), 2);
    const { acked: acked2 } = await writer2.stop();
    expect((await p.leader()).name).toBe(leader.name);
    const tl2 = await timelineOf(leader);
    expect(tl2).toBeGreaterThan(tl1);
    await expectFollows(replica, leader, tl2);
    await expectAllAcked(sqlNode(leader), [...acked, ...acked2]);
    console.log(`Patroni switchover back (paused) ${replica.name} -> ${leader.name}: write gap ${backView.switchover!.writeGapMs} ms, writer's longest gap ${writer2.longestGapMs()} ms; test ${Date.now() - t0} ms`);
    await p.setPause(false);
  }, 240_000);
});
