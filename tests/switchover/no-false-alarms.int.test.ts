// No false alarms from a planned switchover (issue 15 follow-up), on real PostgreSQL with real agents, a
// real poller (500 ms), the read model, the alert worker and a real webhook receiver on loopback, and the
// worker's split-brain scan every 100 ms: two switchovers (there and back, the poll of one member held back
// each time: the old primary's, so its pre-stop answer is stored next to the new primary's; then the
// candidate's, so the write gap reads PRIMARY_DOWN for seconds) record no split-brain event, opens no split-brain
// alert and delivers no primary-down page (one its write gap caused goes out labelled maintenance). Then
// a real second writer — the old primary restarted writable after the switchover, accepting a write — is
// SPLIT_BRAIN at once: the event recorded, the alert delivered unlabelled.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { sleep } from '@/lib/base/sleep';
import { cliActor } from '@/lib/auth/actor';
import { alertLoop } from '@/lib/alerts/loop';
import { createReceiver } from '@/lib/alerts/receivers';
import { approvePromotion } from '@/lib/promotion/approve-promotion';
import { runExecutorOnce } from '@/lib/promotion/execute-promotion';
import { getPromotion } from '@/lib/promotion/get-promotion';
import { requestSwitchover } from '@/lib/promotion/request-switchover';
import { handleSplitBrain, SPLIT_BRAIN_EVENT } from '@/lib/promotion/split-brain';
import { readModelLoop } from '@/lib/readmodel/loop';
import { evaluateClusterNow } from '@/lib/safety/load-safety-input';
import { startWorker, type TWorker } from '@/lib/worker';
import { pollerLoop } from '@/lib/worker/poller-loop';
import { startAlertReceiver, type TAlertReceiver } from '@/scripts/demo/alert-receiver';
import { waitFor, type TPgCluster } from '../support/pg-cluster';
import { onlyDue } from '../support/cluster-setup';
import { declareContext, makeOperator, PASSWORD, waitForHealthy } from '../support/promotion-support';
import { overrideEnv } from '../safety/safety-support';
import { startSwitchableCluster, waitForSwitchover } from './switchover-support';

const CLUSTER = 'nfa';
const CTX = 'nfa-ctx';
let pg: TPgCluster | undefined;
let worker: TWorker | undefined;
let hook: TAlertReceiver | undefined;
let restoreEnv = () => {};

type TWebhook = { event: string; alert: { key: string; rule: string; cluster: string | null; maintenance: boolean } };
let baseline = 0;
/** The webhook's notices about the cluster since `baseline` (the bring-up's own alerts, e.g. NO_PRIMARY before the first poll of the primary, are not the switchover's). */
const notices = () => (hook?.received ?? []).slice(baseline).map((r) => r.body as TWebhook).filter((b) => b.alert?.cluster === CLUSTER);
const settled = async () => (await db.alert.count({ where: { cluster: CLUSTER, state: 'firing' } })) === 0 && (await db.alertDelivery.count({ where: { status: 'pending', alert: { cluster: CLUSTER } } })) === 0;

/** The worker's split-brain scan (lib/promotion/automatic-mode.ts scanCluster's first half) every `ms`, recording every state it saw. */
function scanLoop(clusterId: string, ms = 100) {
  const seen: Array<{ state: string; alarms: string[] }> = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const ev = await evaluateClusterNow({ id: clusterId });
      seen.push({ state: ev.report.state, alarms: ev.report.alarms.map((a) => a.code) });
      await handleSplitBrain(clusterId, ev.report);
      await sleep(ms);
    }
  })();
  return {
    seen,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

beforeAll(async () => {
  restoreEnv = overrideEnv({ VAKT_ALERT_HOLD_DOWN_SECONDS: '2' });
  await declareContext(CTX, { failover: 'operator-approved', approvalsRequired: 1 });
  hook = await startAlertReceiver();
  await createReceiver({ actor: cliActor(), input: { name: 'nfa-hook', kind: 'webhook', url: `${hook.url}/vakt` } });
  pg = await startSwitchableCluster(CLUSTER, CTX);
  await onlyDue(CLUSTER);
  worker = startWorker({ id: 'w-nfa', loops: [pollerLoop({ intervalMs: 500, timeoutMs: 2000 }), readModelLoop({ refreshMs: 500, tickMs: 100 }), alertLoop({ intervalMs: 150 })] });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await db.alertReceiver.deleteMany({ where: { name: 'nfa-hook' } });
  await db.alert.deleteMany({ where: { cluster: CLUSTER } });
  await pg?.cleanup();
  await hook?.stop();
  restoreEnv();
});

describe('a planned switchover raises no false alarm; a real second writer does', () => {
  it('switchover under a 500 ms poller: no split-brain event or alert, no primary-down page; then the old primary restarted writable is SPLIT_BRAIN at once', async () => {
    const t0 = Date.now();
    const [a, b] = pg!.nodes;
    await waitForHealthy(CLUSTER);
    await waitForSwitchover(CLUSTER, b.name);
    const clusterId = (await db.cluster.findUniqueOrThrow({ where: { name: CLUSTER } })).id;
    await waitFor(settled, 30_000, 'the bring-up alerts resolved and told', 200);
    baseline = hook!.received.length;
    const scan = scanLoop(clusterId);

    const [op1, op2] = [await makeOperator('nfa-op1'), await makeOperator('nfa-op2')];
    // there and back: two switchovers, each a chance for the poller to keep a pre-stop answer next to the new primary's
    for (const [from, to, late] of [[a, b, a], [b, a, a]] as const) {
      const { id } = await requestSwitchover({ actor: op1, cluster: CLUSTER, candidate: to.name, reason: 'kernel update on the primary' });
      expect(await approvePromotion({ actor: op2, id, password: PASSWORD })).toMatchObject({ status: 'APPROVED' });
      // a poll lane late for one member (its next poll 4 s out), every run. There: the old primary's stored
      // answer stays the pre-stop one through the promote and the completion (the demo's split brain). Back:
      // the candidate's stays the pre-promote replica one, so the write gap reads PRIMARY_DOWN for seconds.
      // (Twice: a poll in flight at the first update reschedules itself when it ends.)
      for (let i = 0; i < 2; i++) {
        await db.$executeRaw`UPDATE "vakt"."ClusterMember" SET "nextPollAt" = now() + interval '4 seconds' WHERE "name" = ${late.name}`;
        await sleep(i === 0 ? 2_500 : 0);
      }
      const out = await runExecutorOnce({ executorId: 'nfa-executor' });
      expect(out?.status, JSON.stringify((await getPromotion(id)).steps, null, 1)).toBe('COMPLETED');
      await waitForSwitchover(CLUSTER, from.name); // the old primary observed as a good replica of the new one
    }
    await sleep(3_000);
    // every notice decided and sent (a primary-down one waits for the switchover's outcome)
    await waitFor(async () => (await db.alertDelivery.count({ where: { status: 'pending', alert: { cluster: CLUSTER } } })) === 0, 30_000, 'every delivery sent', 200);
    await scan.stop();

    const states = scan.seen.reduce<Record<string, number>>((m, s) => ({ ...m, [s.state]: (m[s.state] ?? 0) + 1 }), {});
    const inTransition = scan.seen.filter((s) => s.alarms.includes('SWITCHOVER_IN_TRANSITION')).length;
    console.log(`switchovers ${a.name} -> ${b.name} -> ${a.name}: ${scan.seen.length} scans, states ${JSON.stringify(states)}, ${inTransition} read a pre-stop claim as SWITCHOVER_IN_TRANSITION; webhook notices for ${CLUSTER}: ${JSON.stringify(notices().map((n) => `${n.event} ${n.alert.rule}${n.alert.maintenance ? ' (maintenance)' : ''}`))}`);
    expect(inTransition, 'the pre-stop answer next to the new primary was seen (the sequence under test happened)').toBeGreaterThan(0);
    expect(scan.seen.filter((s) => s.state === 'SPLIT_BRAIN')).toEqual([]);
    expect(await db.clusterEvent.count({ where: { clusterId, kind: SPLIT_BRAIN_EVENT } })).toBe(0);
    expect(await db.alert.count({ where: { cluster: CLUSTER, rule: 'split_brain' } })).toBe(0);
    // nobody paged: when the write gap was read as PRIMARY_DOWN (it depends on where the late poll falls), its
    // primary-down alert went out labelled maintenance (firing and resolved); when it was not, none went out
    // (the hold / label decision itself has table tests in lib/alerts/rules.test.ts)
    const primaryDownNotices = notices().filter((n) => n.alert.rule === 'primary_down').map((n) => `${n.event}${n.alert.maintenance ? ' maintenance' : ''}`).sort();
    console.log(`write gap read as PRIMARY_DOWN in ${states.PRIMARY_DOWN ?? 0} scans; primary-down notices: ${JSON.stringify(primaryDownNotices)}`);
    expect(primaryDownNotices.filter((n) => !n.endsWith(' maintenance')), 'no unlabelled primary-down page').toEqual([]);
    if (primaryDownNotices.length) expect(primaryDownNotices).toEqual(['firing maintenance', 'resolved maintenance']);
    expect(notices().filter((n) => n.alert.rule === 'split_brain')).toEqual([]);
    expect(await db.promotionStep.count({ where: { name: 'split-brain', promotion: { clusterId } } })).toBe(0);

    // the attack: the last switchover's old primary (b, now a replica of a) restarted writable by hand, and it takes a write
    const scan2 = scanLoop(clusterId);
    await b.stopPg('fast');
    fs.rmSync(path.join(b.dataDir, 'standby.signal'), { force: true });
    await b.startPg();
    const tWritable = Date.now();
    await b.psql('CREATE TABLE IF NOT EXISTS second_writer (id int)');
    await b.psql('INSERT INTO second_writer VALUES (1)');
    await waitFor(async () => (await db.clusterEvent.count({ where: { clusterId, kind: SPLIT_BRAIN_EVENT } })) === 1, 15_000, 'split-brain event', 50);
    const detectedMs = Date.now() - tWritable;
    const event = await db.clusterEvent.findFirstOrThrow({ where: { clusterId, kind: SPLIT_BRAIN_EVENT } });
    expect(event).toMatchObject({ severity: 'critical', memberName: b.name });
    expect(scan2.seen.filter((s) => s.state === 'SPLIT_BRAIN').length).toBeGreaterThan(0);
    // the split-brain alert pages (never labelled maintenance)
    await waitFor(async () => notices().some((n) => n.alert.rule === 'split_brain' && n.event === 'firing'), 15_000, 'split-brain alert delivered', 100);
    expect(notices().filter((n) => n.alert.rule === 'split_brain').every((n) => !n.alert.maintenance)).toBe(true);
    await scan2.stop();
    console.log(`second writer ${b.name}: split-brain event ${detectedMs} ms after it came up writable; test ${Date.now() - t0} ms`);
  });
});
