import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { systemActor } from '@/lib/auth/actor';
import { createSite } from '@/lib/registry/sites';
import { AppError } from '@/lib/base/errors';
import { registerCluster, type TRegisterClusterInput } from '../registry/register-cluster';
import { getCluster, listClusters } from '../registry/read-clusters';
import { createPoller } from './poll-cycle';
import { deriveClusterStateOf } from '@/lib/safety/engine';
import { loadSafetyInput } from '@/lib/safety/load-safety-input';
import { startFakeFleet, type TFakeFleet } from '../../tests/support/fake-agent';

const admin = systemActor('test-admin');
let fleet: TFakeFleet;

async function makeDue(cluster: string) {
  // only this cluster is due: other test files' clusters (same database) stay out of the way
  await db.$executeRawUnsafe(
    `UPDATE "vakt"."ClusterMember" SET "nextPollAt" = CASE WHEN "clusterId" = (SELECT id FROM "vakt"."Cluster" WHERE name = $1) THEN now() - interval '1 second' ELSE now() + interval '1 day' END, "leaseUntil" = NULL`,
    cluster,
  );
}
async function obs(cluster: string) {
  const c = await getCluster(cluster);
  return Object.fromEntries(c.members.map((m) => [m.name, m]));
}

beforeAll(async () => {
  for (const name of ['oslo', 'bergen']) await createSite({ actor: admin, input: { name } }).catch(() => undefined);
  fleet = await startFakeFleet([
    { name: 'n1', site: 'oslo', role: 'primary', lsn: 0x3001000 },
    { name: 'n2', site: 'oslo', role: 'replica', lsn: 0x3000000 },
    { name: 'n3', site: 'bergen', role: 'replica', behaviour: 'garbage' },
    { name: 'n4', site: 'bergen', role: 'replica', behaviour: 'http500' },
    { name: 'n5', site: 'bergen', role: 'replica', behaviour: 'hang' },
    { name: 'n6', site: 'bergen', role: 'replica', behaviour: 'wrong-name' },
  ]);
  await registerCluster({
    actor: admin,
    input: {
      name: 'fake-main',
      kind: 'vakt-agent',
      members: [...fleet.nodes.values()].map((n) => ({ name: n.name, site: n.site, agentUrl: fleet.url(n.name), agentToken: fleet.token })),
    },
  });
});
afterAll(async () => {
  await fleet?.close();
});

describe('registering a cluster', () => {
  const member = (o: Record<string, unknown> = {}) => ({ name: 'x1', site: 'oslo', agentUrl: 'http://127.0.0.1:7070', agentToken: 't', ...o });
  const fields = async (input: unknown) => {
    // deliberately malformed input: the use case validates it at run time
    const e = await registerCluster({ actor: admin, input: input as TRegisterClusterInput }).catch((x) => x);
    expect(e).toBeInstanceOf(AppError);
    return { status: (e as AppError).status, paths: ((e as AppError).details?.fields ?? []).map((f) => f.path) };
  };
  it('422 names the bad field', async () => {
    expect(await fields({ name: 'c2', members: [member(), member({ name: 'x2', site: 'nowhere' })] })).toEqual({ status: 422, paths: ['members.1.site'] });
    expect(await fields({ name: 'c2', contexts: ['no-such-context'], members: [member()] })).toEqual({ status: 422, paths: ['contexts.0.slug'] });
    expect(await fields({ name: 'c2', members: [member({ agentUrl: 'http://10.9.9.9:7070' })] })).toEqual({ status: 422, paths: ['members.0.agentUrl'] });
    expect(await fields({ name: 'c2', members: [member({ agentToken: undefined })] })).toEqual({ status: 422, paths: ['members.0.agentToken'] });
    expect(await fields({ name: 'c2', kind: 'cnpg', members: [member()] })).toMatchObject({ status: 422, paths: ['kind'] });
    expect(await fields({ name: 'c2', members: [member({ extra: 1 })] })).toMatchObject({ status: 422 });
    expect(await fields({ name: 'c2', members: [member({ agentUrl: 'http://u:p@127.0.0.1:1' })] })).toEqual({ status: 422, paths: ['members.0.agentUrl'] });
    expect(await db.cluster.count({ where: { name: 'c2' } })).toBe(0);
  });
  it('409 on a duplicate name', async () => {
    const e = await registerCluster({ actor: admin, input: { name: 'fake-main', members: [member()] } }).catch((x) => x);
    expect(e).toMatchObject({ status: 409 });
  });
  it('stores the token encrypted, never returns it, never audits it', async () => {
    const m = await db.clusterMember.findFirstOrThrow({ where: { name: 'n1' } });
    expect(m.agentTokenEnc).toMatch(/^v1:/);
    expect(m.agentTokenEnc).not.toContain(fleet.token);
    expect(JSON.stringify(await getCluster('fake-main'))).not.toContain(fleet.token);
    expect(JSON.stringify(await listClusters())).not.toContain('v1:');
    const a = await db.auditEvent.findFirstOrThrow({ where: { action: 'cluster.registered', targetId: 'fake-main' } });
    expect(JSON.stringify({ before: a.before, after: a.after })).not.toContain(fleet.token);
    expect(a.after).toMatchObject({ members: expect.arrayContaining([expect.objectContaining({ name: 'n1', hasToken: true })]) });
  });
  it('registers a patroni cluster with contexts given as slug or object', async () => {
    const team = await db.team.upsert({ where: { name: 'tel-team' }, create: { name: 'tel-team' }, update: {} });
    await db.boundedContext.upsert({ where: { slug: 'tel-ctx' }, create: { slug: 'tel-ctx', name: 'Tel', teamId: team.id }, update: {} });
    await db.boundedContext.upsert({ where: { slug: 'tel-ctx2' }, create: { slug: 'tel-ctx2', name: 'Tel2', teamId: team.id }, update: {} });
    const c = await registerCluster({
      actor: admin,
      input: { name: 'pat-1', kind: 'patroni', contexts: ['tel-ctx', { slug: 'tel-ctx2', database: 'inv', schema: 'public' }], members: [member({ agentToken: 'u:p' })] },
    });
    expect(c).toMatchObject({ name: 'pat-1', kind: 'patroni', epoch: 0, state: 'UNKNOWN', contexts: [{ slug: 'tel-ctx' }, { slug: 'tel-ctx2', database: 'inv', schema: 'public' }] });
    expect(c.members[0]).toMatchObject({ name: 'x1', site: 'oslo', role: 'unknown', reachable: false, observedAt: null });
    expect(await fields({ name: 'pat-2', kind: 'patroni', members: [member({ agentToken: 'no-colon' })] })).toEqual({ status: 422, paths: ['members.0.agentToken'] });
    await db.cluster.delete({ where: { name: 'pat-1' } });
  });
});

describe('polling fake agents', () => {
  it('good nodes are stored; garbage, 500, hanging and impostor nodes become unknown with a reason; the others are still polled', async () => {
    await makeDue('fake-main');
    const poller = createPoller({ workerId: 'w-test', timeoutMs: 700, intervalMs: 2000 });
    const t0 = Date.now();
    const r = await poller.runCycle();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.polled).toBe(6);
    const m = await obs('fake-main');
    expect(m.n1).toMatchObject({ role: 'primary', reachable: true, timeline: 1, error: null, fenced: false });
    expect(m.n1.lsn).toMatch(/^0\/30/);
    expect(m.n2).toMatchObject({ role: 'replica', reachable: true, timeline: 1, syncState: 'async', lagSeconds: 0.5 });
    expect(m.n2.lagBytes).toBeGreaterThan(0);
    expect(m.n3).toMatchObject({ role: 'unknown', reachable: false, status: 'unknown', error: expect.stringMatching(/not JSON/) });
    expect(m.n4).toMatchObject({ status: 'unknown', error: expect.stringMatching(/HTTP 500/) });
    expect(m.n5).toMatchObject({ status: 'unknown', error: expect.stringMatching(/timed out/) });
    expect(m.n6).toMatchObject({ status: 'unknown', error: expect.stringMatching(/registered as "n6"/) });
    const c = await getCluster('fake-main', { historyMinutes: 10 });
    expect(c.state).toBe('DEGRADED');
    expect(c.history?.members.find((x) => x.name === 'n2')?.points.length).toBeGreaterThanOrEqual(1);
    const row = await db.nodeObservation.findFirstOrThrow({ where: { member: { name: 'n1' } } });
    expect(row.lastOkAt).not.toBeNull();
    expect(await db.observationSample.count()).toBeGreaterThanOrEqual(6);
    // the poller keeps NodeLastGood in the same write: only members that answered ok have one
    const lastGood = await db.nodeLastGood.findMany({ where: { memberId: { in: (await db.clusterMember.findMany({ where: { cluster: { name: 'fake-main' } } })).map((x) => x.id) } } });
    const okIds = new Set((await db.clusterMember.findMany({ where: { cluster: { name: 'fake-main' }, name: { in: ['n1', 'n2'] } } })).map((x) => x.id));
    expect(lastGood.map((g) => g.memberId).sort()).toEqual([...okIds].sort());
    expect(lastGood.find((g) => g.observedAt.getTime() === row.observedAt.getTime() && g.memberId === row.memberId)).toMatchObject({ role: 'primary', timeline: 1, lsn: row.lsn });
    // no backup catalog reported by these agents
    expect(m.n1).toMatchObject({ lastBackupAt: null, backupCount: null });
  });

  it('records events on role and timeline change, recovery and unreachability', async () => {
    fleet.set('n1', { role: 'replica', lsn: 0x4000000 });
    fleet.set('n2', { role: 'primary', timeline: 2, lsn: 0x4001000 });
    fleet.set('n3', { behaviour: 'ok' });
    fleet.set('n4', { behaviour: 'ok' });
    fleet.set('n5', { behaviour: 'ok' });
    fleet.set('n6', { behaviour: 'ok' });
    await makeDue('fake-main');
    await createPoller({ workerId: 'w-test', timeoutMs: 700 }).runCycle();
    const c = await getCluster('fake-main');
    const kinds = c.events.map((e) => `${e.kind}:${e.member ?? ''}`);
    expect(kinds).toEqual(expect.arrayContaining(['node.role_changed:n1', 'node.role_changed:n2', 'node.timeline_changed:n2', 'node.recovered:n3', 'node.recovered:n5']));
    expect(c.events.find((e) => e.kind === 'node.role_changed' && e.member === 'n2')?.message).toMatch(/replica → primary/);
    const m = await obs('fake-main');
    expect(m.n2).toMatchObject({ role: 'primary', timeline: 2 });
    expect(m.n1).toMatchObject({ role: 'replica' });

    // two primaries -> split-brain signal
    fleet.set('n1', { role: 'primary', timeline: 2 });
    await makeDue('fake-main');
    await createPoller({ workerId: 'w-test', timeoutMs: 700 }).runCycle();
    const c2 = await getCluster('fake-main');
    expect(c2.state).toBe('SPLIT_BRAIN');
    expect(c2.events.map((e) => e.kind)).toContain('cluster.split_brain');

    // unreachable again
    fleet.set('n1', { behaviour: 'http500' });
    await makeDue('fake-main');
    await createPoller({ workerId: 'w-test', timeoutMs: 700 }).runCycle();
    const c3 = await getCluster('fake-main');
    expect(c3.events[0].kind === 'node.unreachable' || c3.events.some((e) => e.kind === 'node.unreachable' && e.member === 'n1')).toBe(true);
    // n1 is unknown now; the engine still gets its last good observation (the poller wrote it, no refresh pass)
    const { input } = await loadSafetyInput({ name: 'fake-main' });
    const n1 = input.members.find((x) => x.name === 'n1')!;
    expect(n1.observation?.status).toBe('unknown');
    expect(n1.lastGood).toMatchObject({ status: 'ok', role: 'primary', timeline: 2 });
    expect(c3.state).toBe(deriveClusterStateOf(input).state);
  });
});

describe('clocks and the last primary (a second fake fleet)', () => {
  let f2: TFakeFleet;
  beforeAll(async () => {
    f2 = await startFakeFleet([
      { name: 'k1', site: 'oslo', role: 'primary', lsn: 0x5000000 },
      { name: 'k2', site: 'oslo', role: 'replica', lsn: 0x4fff000 },
      { name: 'k3', site: 'bergen', role: 'replica', lsn: 0x4ff0000, clockOffsetMs: -5000 },
    ]);
    await registerCluster({
      actor: admin,
      input: { name: 'fake-clock', kind: 'vakt-agent', members: [...f2.nodes.values()].map((n) => ({ name: n.name, site: n.site, agentUrl: f2.url(n.name), agentToken: f2.token })) },
    });
  });
  afterAll(async () => {
    await f2?.close();
  });
  const dbTime = async () => (await db.$queryRawUnsafe<{ t: Date }[]>(`SELECT clock_timestamp() AS t`))[0].t;
  const lastGoodOf = async (name: string) =>
    db.nodeLastGood.findUnique({ where: { memberId: (await db.clusterMember.findFirstOrThrow({ where: { name, cluster: { name: 'fake-clock' } } })).id } });

  it("an agent 5 s behind is unknown with CLOCK_SKEW and its clockSkewMs is shown; the others are stamped with the database's time", async () => {
    await makeDue('fake-clock');
    const before = await dbTime();
    await createPoller({ workerId: 'w-test', timeoutMs: 700 }).runCycle();
    const after = await dbTime();
    const m = await obs('fake-clock');
    expect(m.k3).toMatchObject({ status: 'unknown', role: 'unknown', reachable: false });
    expect(m.k3.error).toMatch(/^CLOCK_SKEW: agent clock is \d+ ms behind Vakt's database/);
    expect(m.k3.clockSkewMs).toBeLessThan(-4500);
    expect(m.k3.clockSkewMs).toBeGreaterThan(-5500);
    expect(m.k1).toMatchObject({ status: 'ok', role: 'primary' });
    expect(Math.abs(m.k1.clockSkewMs!)).toBeLessThan(500);
    for (const name of ['k1', 'k2', 'k3']) {
      const at = Date.parse(m[name].observedAt!);
      expect(at).toBeGreaterThanOrEqual(before.getTime());
      expect(at).toBeLessThanOrEqual(after.getTime());
    }
    expect(await lastGoodOf('k3')).toBeNull(); // a skewed answer is not a good one
    const { input } = await loadSafetyInput({ name: 'fake-clock' });
    expect(input.members.find((x) => x.name === 'k3')!.observation).toMatchObject({ status: 'unknown', fencing: null, clockSkewMs: m.k3.clockSkewMs });

    // its clock is fixed: ok again, skew near 0
    f2.set('k3', { clockOffsetMs: 0 });
    await makeDue('fake-clock');
    await createPoller({ workerId: 'w-test', timeoutMs: 700 }).runCycle();
    const m2 = await obs('fake-clock');
    expect(m2.k3).toMatchObject({ status: 'ok', role: 'replica' });
    expect(Math.abs(m2.k3.clockSkewMs!)).toBeLessThan(500);
  });

  it('the old primary fenced and restarted read-only keeps its last sighting as primary (LSN, timeline, time); an unreachable member carries no stale fencing', async () => {
    await makeDue('fake-clock');
    await createPoller({ workerId: 'w-test', timeoutMs: 700 }).runCycle();
    const asPrimary = await lastGoodOf('k1');
    expect(asPrimary).toMatchObject({ role: 'primary', primaryTimeline: 1 });
    expect(asPrimary!.primaryObservedAt).toEqual(asPrimary!.observedAt);
    expect(asPrimary!.primaryLsn).toBe(asPrimary!.lsn);

    // fenced, restarted with standby.signal: it answers as a replica (streaming from nobody)
    f2.set('k1', { role: 'replica', fenced: true, epoch: 1 });
    await makeDue('fake-clock');
    await createPoller({ workerId: 'w-test', timeoutMs: 700 }).runCycle();
    const after = await lastGoodOf('k1');
    expect(after).toMatchObject({ role: 'replica', primaryLsn: asPrimary!.primaryLsn, primaryTimeline: 1 });
    expect(after!.primaryObservedAt).toEqual(asPrimary!.primaryObservedAt);
    expect(after!.observedAt.getTime()).toBeGreaterThan(asPrimary!.observedAt.getTime());
    const { input } = await loadSafetyInput({ name: 'fake-clock' });
    expect(input.history.expectedPrimary).toEqual({ node: 'k1', timeline: 1, lastLsn: asPrimary!.primaryLsn, lastSeenOkAt: asPrimary!.primaryObservedAt });
    expect(input.history.primaryDownSince).not.toBeNull();
    // its own WAL end as a replica is in its observation and last good observation
    const k1 = input.members.find((x) => x.name === 'k1')!;
    expect(k1.observation).toMatchObject({ status: 'ok', role: 'replica', fencing: { epoch: 1, fenced: true } });
    expect(k1.observation!.replayLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(k1.lastGood!.replayLsn).toBe(k1.observation!.replayLsn);
    expect(input.history.replacedPrimaries).toEqual([]);

    // then its agent stops answering: the fenced flag of its last answer is not current
    f2.set('k1', { behaviour: 'http500' });
    await makeDue('fake-clock');
    await createPoller({ workerId: 'w-test', timeoutMs: 700 }).runCycle();
    const { input: later } = await loadSafetyInput({ name: 'fake-clock' });
    const k1b = later.members.find((x) => x.name === 'k1')!;
    expect(k1b.observation).toMatchObject({ status: 'unknown', role: 'unknown', fencing: null, replayLsn: null, currentLsn: null });
    expect(later.history.expectedPrimary).toMatchObject({ node: 'k1', lastLsn: asPrimary!.primaryLsn });
  });
});
