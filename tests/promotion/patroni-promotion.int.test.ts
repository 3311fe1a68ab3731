import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { cliActor } from '@/lib/auth/actor';
import { approvePromotion } from '@/lib/promotion/approve-promotion';
import { getClusterSafety } from '@/lib/promotion/get-cluster-safety';
import { requestPromotion } from '@/lib/promotion/request-promotion';
import { getContextFindings } from '@/lib/findings/get-context-findings';
import { registerCluster } from '@/lib/registry/register-cluster';
import { createPatroniCluster, patroniSql, type TPatroniCluster, type TPatroniNode } from '../support/patroni';
import { waitFor } from '../support/pg-cluster';
import {
  crashAfterPromoteCall,
  declareContext,
  ensureSite,
  executeToCompletion,
  makeOperator,
  PASSWORD,
  resumeAfterLease,
  runPoller,
  waitForHealthy,
  waitForVerdict,
} from '../support/promotion-support';

// Vakt's approved promotion on real Patroni clusters (Patroni 3.0 + etcd on loopback): the context
// declares operator-approved failover, so Patroni must be paused (a finding otherwise); the leader's
// PostgreSQL crashes, paused Patroni does nothing on its own, Vakt gates the replica (paused, the leader
// lock fences nothing, but the old leader's Patroni answers with PostgreSQL stopped: no attestation), two operators approve and the executor fails over through Patroni's
// POST /failover {candidate}. Two clusters, created in parallel: the plain path, and an executor that
// dies right after POST /failover (Patroni's failover is not idempotent, so the resume must notice).
type TSetup = { name: string; context: string; p: TPatroniCluster };
const setups: TSetup[] = [];
let poller: { stop: () => Promise<void> } | undefined;

type TPatroniClusterView = { pause?: boolean; members: Array<{ name: string; role: string; state: string; timeline?: number }> };
const clusterView = async (p: TPatroniCluster, via: TPatroniNode) => (await p.api<TPatroniClusterView>(via, '/cluster')).body;
const leaders = (v: TPatroniClusterView) => v.members.filter((m) => ['leader', 'master', 'primary'].includes(m.role));
const findingCodes = async (context: string) => (await getContextFindings(context)).map((f) => f.code);

async function startPatroni(name: string): Promise<TSetup> {
  const p = await createPatroniCluster({ nodes: 2, scope: `${name}-${Date.now().toString(36)}` });
  const s = { name, context: `${name}-ctx`, p };
  setups.push(s);
  return s;
}

// Sequential on purpose: two first-time declarations racing to create the same team make one of them
// answer 409 (putDeclaration maps the team's unique-name violation to "changed concurrently").
async function register(s: TSetup): Promise<void> {
  const { name, p } = s;
  await declareContext(s.context, { failover: 'operator-approved', approvalsRequired: 2 });
  await registerCluster({
    actor: cliActor(),
    input: { name, kind: 'patroni', contexts: [s.context], members: p.nodes.map((n) => ({ name: n.name, site: 'oslo', agentUrl: n.apiUrl, agentToken: p.credentials })) },
  });
}

/** Healthy and paused -> rows written and replayed -> the leader's PostgreSQL crashes -> Vakt says GATED. Returns who is who. */
async function crashLeaderUntilGated(s: TSetup) {
  const { p, name } = s;
  const leader = await p.leader();
  const replica = p.nodes.find((n) => n !== leader)!;
  await patroniSql(leader, 'CREATE TABLE t (id int)');
  await patroniSql(leader, 'INSERT INTO t SELECT generate_series(1, 100)');
  await waitFor(async () => (await patroniSql<{ n: number }>(replica, 'SELECT count(*)::int AS n FROM t').catch(() => [{ n: 0 }]))[0].n === 100, 20_000, 'rows replayed on the replica', 200);
  await waitForHealthy(name);
  const healthy = await waitForVerdict(name, replica.name, 'BLOCKED');
  expect(healthy.kind).toBe('patroni');
  expect(healthy.candidates.find((c) => c.node === replica.name)!.reasons.map((r) => r.code)).toContain('PRIMARY_HEALTHY');
  const timelineBefore = leaders(await clusterView(p, replica)).find((m) => m.name === leader.name)?.timeline ?? 1;

  // The leader's PostgreSQL crashes; paused Patroni neither restarts it nor fails over.
  p.stopPostgres(leader);
  // until a poll has seen the leader's Patroni report its PostgreSQL stopped (GATED may come first)
  const safety = await waitForVerdict(name, replica.name, 'GATED', 30_000, { reason: 'PATRONI_LEADER_STOPPED' });
  expect(safety.state).toBe('PRIMARY_DOWN');
  const cand = safety.candidates.find((c) => c.node === replica.name)!;
  expect(cand.approvalsRequired).toBe(2);
  const codes = cand.reasons.map((r) => r.code);
  // Paused, the leader lock fences nothing (docs/safety.md): the old leader's Patroni answers now that
  // its PostgreSQL is stopped, which proves it (PATRONI_LEADER_STOPPED; was FENCED_BY_PATRONI).
  expect(codes).toContain('PATRONI_LEADER_STOPPED');
  expect(codes).not.toContain('FENCED_BY_PATRONI');
  expect(codes).toContain('OPERATOR_APPROVAL');
  expect(codes).not.toContain('OLD_PRIMARY_NOT_FENCEABLE');
  expect(cand.requiresAttestation).toBe(false);
  const view = await clusterView(p, replica);
  expect(view.pause).toBe(true);
  expect(view.members.find((m) => m.name === replica.name)?.role).toBe('replica');
  expect((await patroniSql<{ r: boolean }>(replica, 'SELECT pg_is_in_recovery() AS r'))[0].r).toBe(true);
  return { leader, replica, timelineBefore };
}

async function requestAndApprove(cluster: string, candidate: string) {
  const [op1, op2] = [await makeOperator(`${cluster}-1`), await makeOperator(`${cluster}-2`)];
  const { id } = await requestPromotion({ actor: op1, cluster, candidate, reason: 'leader PostgreSQL crashed' });
  expect(await approvePromotion({ actor: op1, id, password: PASSWORD })).toMatchObject({ status: 'PENDING', approvals: 1 });
  expect(await approvePromotion({ actor: op2, id, password: PASSWORD })).toMatchObject({ status: 'APPROVED', approvals: 2 });
  return id;
}

/** Patroni's own view after the promotion: the candidate is the only leader, on a newer timeline, still paused; the data is there and writable. */
async function expectPatroniPromoted(p: TPatroniCluster, leader: TPatroniNode, replica: TPatroniNode, timelineBefore: number) {
  const after = await clusterView(p, replica);
  expect(leaders(after).map((m) => m.name)).toEqual([replica.name]);
  expect(leaders(after)[0].timeline).toBeGreaterThan(timelineBefore);
  expect(after.pause).toBe(true);
  expect((await patroniSql<{ r: boolean }>(replica, 'SELECT pg_is_in_recovery() AS r'))[0].r).toBe(false);
  expect((await patroniSql<{ n: number }>(replica, 'SELECT count(*)::int AS n FROM t'))[0].n).toBe(100);
  await patroniSql(replica, 'INSERT INTO t VALUES (101)');
  // the crashed old leader stayed down (paused Patroni does not restart it)
  await expect(patroniSql(leader, 'SELECT 1')).rejects.toThrow();
  return leaders(after)[0].timeline!;
}

beforeAll(async () => {
  const t0 = Date.now();
  await ensureSite('oslo');
  // the two Patroni clusters start in parallel (setups collects each, so afterAll cleans up even if the other failed)
  const results = await Promise.allSettled([startPatroni('patroni-promo'), startPatroni('patroni-crash')]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  for (const s of setups) await register(s);
  poller = runPoller();
  console.log(`patroni promotion setup (two clusters): ${Date.now() - t0} ms`);
}, 180_000);
afterAll(async () => {
  await poller?.stop();
  await Promise.all(setups.map((s) => s.p.cleanup()));
});

describe('promotion through Patroni on a real Patroni cluster', () => {
  it('pause finding -> leader PostgreSQL crashes -> GATED (its Patroni says PostgreSQL stopped) -> two approvals -> POST /failover -> new leader on a new timeline', async () => {
    const t0 = Date.now();
    const lap = (what: string) => console.log(`  ${what}: ${Date.now() - t0} ms`);
    const s = setups.find((x) => x.name === 'patroni-promo')!;
    const { p, name, context } = s;
    await waitForHealthy(name);

    // Not paused: Patroni would fail over on its own, against the operator-approved declaration.
    await waitFor(async () => (await findingCodes(context)).includes('PATRONI_NOT_PAUSED'), 20_000, 'PATRONI_NOT_PAUSED present while not paused', 250);
    expect((await getContextFindings(context)).find((f) => f.code === 'PATRONI_NOT_PAUSED')).toMatchObject({ severity: 'error', source: 'live' });
    await p.setPause(true);
    await waitFor(async () => !(await findingCodes(context)).includes('PATRONI_NOT_PAUSED'), 20_000, 'PATRONI_NOT_PAUSED gone once paused', 250);
    lap('pause finding checked');

    const { leader, replica, timelineBefore } = await crashLeaderUntilGated(s);
    lap('GATED');
    const id = await requestAndApprove(name, replica.name);

    const view = await executeToCompletion('patroni-executor', id);
    lap('executor done');
    const ok = view.steps.filter((x) => x.status === 'ok');
    for (const n of ['evaluate', 'claim-epoch', 'fence', 'promote', 'verify', 'done']) expect(ok.map((x) => x.name)).toContain(n);
    expect(ok.find((x) => x.name === 'fence')!.detail).toMatch(new RegExp(`^Patroni is paused; Patroni on ${leader.name} answers that PostgreSQL is (stopped|crashed)`));
    expect(ok.find((x) => x.name === 'promote')!.detail).toMatch(new RegExp(`Patroni failover to ${replica.name} accepted`));
    expect(ok.find((x) => x.name === 'verify')!.detail).toMatch(new RegExp(`${replica.name} as leader on timeline \\d+`));
    expect((await db.cluster.findUniqueOrThrow({ where: { name } })).epoch).toBe(1);

    const tl = await expectPatroniPromoted(p, leader, replica, timelineBefore);
    // the fork point comes from the new leader's GET /history
    expect(ok.find((x) => x.name === 'verify')!.detail).toMatch(new RegExp(`on timeline ${tl}, forked from timeline ${timelineBefore} at [0-9A-F]+/[0-9A-F]+$`));
    const event = await db.clusterEvent.findFirstOrThrow({ where: { cluster: { name }, kind: 'promotion' } });
    expect(event.data).toEqual({ promotionId: id, epoch: 1, forkLsn: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/), previousTimeline: timelineBefore, newTimeline: tl });
    await waitFor(async () => (await getClusterSafety(name)).primary?.node === replica.name, 20_000, 'Vakt sees the new primary', 250);
    lap('total');
  });

  it('an executor killed right after POST /failover: the resumed execution finds the candidate leading and completes without a second failover', async () => {
    const s = setups.find((x) => x.name === 'patroni-crash')!;
    const { p, name } = s;
    await waitForHealthy(name);
    await p.setPause(true);
    const { leader, replica, timelineBefore } = await crashLeaderUntilGated(s);
    const id = await requestAndApprove(name, replica.name);

    await crashAfterPromoteCall(id);
    await resumeAfterLease(id);
    expect((await db.cluster.findUniqueOrThrow({ where: { name } })).epoch).toBe(1);
    const tl = await expectPatroniPromoted(p, leader, replica, timelineBefore);
    // promoted once: the timeline moved by exactly one
    expect(tl).toBe(timelineBefore + 1);
  });
});
