import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { cliActor, systemActor, type TActor } from '@/lib/auth/actor';
import { updateClass } from '@/lib/registry/classes';
import { getContext, listContextPage } from '@/lib/registry/contexts';
import { putDeclaration } from '@/lib/registry/put-declaration';
import { registerCluster } from '@/lib/registry/register-cluster';
import { createPoller } from '@/lib/telemetry/poll-cycle';
import { refreshUntilIdle } from '@/lib/readmodel/refresh';
import { readClusterSafety, readContext, readContextList, readContexts, storedLiveFindings } from '@/lib/readmodel/read';
import { getClusterSafety } from '@/lib/promotion/get-cluster-safety';
import { startFakeFleet, type TFakeFleet } from '../support/fake-agent';
import { declareContext, ensureSite } from '../support/promotion-support';
import { onlyDue } from '../support/cluster-setup';
import { overrideEnv } from '../safety/safety-support';

// The stored context answers (lib/readmodel/context-item.ts): GET /api/v1/contexts reads one stored row
// per item and GET /api/v1/contexts/{slug} a stored history and lint, and both follow every input — a
// declaration change, a proposal, a class change, a poll, time passing — and a stale one reads as stale.
// Each read is compared with what the read computes from scratch (lint now, the stored live findings:
// what these reads served before the stored items), and the stored row is checked to be the one served.
const P = 'ctxi9-';
const CTX = `${P}ctx`;
const CLUSTER = `${P}c`;
const STALE_MS = 3000;
let fleet: TFakeFleet;
let restoreEnv = () => {};

const computedNow = async () => {
  const [item] = (await listContextPage({ live: storedLiveFindings, page: { limit: 1, like: CTX } })).items;
  return { item, detail: await getContext(CTX, { live: storedLiveFindings }) };
};
const served = async () => ({ item: (await readContextList({ q: CTX, limit: 1 })).items[0], detail: await readContext(CTX) });
// the two reads run a moment apart: the age in READ_MODEL_STALE's message is the only thing that may differ
const json = (v: unknown) => JSON.parse(JSON.stringify(v).replace(/last evaluation is [\d.]+ s old/g, 'last evaluation is (age) s old')) as unknown;
/** What the stored row is about (null = nothing stored yet). */
const storedBasis = async () => {
  const [r] = await db.$queryRawUnsafe<{ item: { version: number; versions: number } | null; detail: { version: number; versions: number; history: unknown[] } | null }[]>(
    `SELECT r.item, r.detail FROM "vakt"."ContextReadModel" r JOIN "vakt"."BoundedContext" b ON b.id = r."contextId" WHERE b.slug = $1`,
    CTX,
  );
  return { item: r?.item ? { version: r.item.version, versions: r.item.versions } : null, detail: r?.detail ? { version: r.detail.version, versions: r.detail.versions, history: r.detail.history.length } : null };
};
/** Served = computed now, for the list item and the detail. */
const expectServedAsComputed = async () => {
  const [s, c] = [await served(), await computedNow()];
  expect(json(s.item)).toEqual(json(c.item));
  expect(json(s.detail)).toEqual(json(c.detail));
  return s;
};
const poll = async () => {
  await onlyDue(CLUSTER);
  await createPoller({ workerId: 'w-ctx-item', timeoutMs: 700 }).runCycle();
};
const owner: TActor = { type: 'user', id: null, label: 'owner-ctxi9', role: 'service-owner', teams: ['platform-test'] };

beforeAll(async () => {
  restoreEnv = overrideEnv({ VAKT_STALE_AFTER_MS: String(STALE_MS) });
  await ensureSite('oslo');
  fleet = await startFakeFleet([
    { name: `${CLUSTER}-a`, site: 'oslo', role: 'primary', lsn: 0x3001000 },
    { name: `${CLUSTER}-b`, site: 'oslo', role: 'replica' },
  ]);
  await declareContext(CTX);
  await registerCluster({
    actor: systemActor('test'),
    input: { name: CLUSTER, kind: 'vakt-agent', contexts: [{ slug: CTX }], members: ['a', 'b'].map((m) => ({ name: `${CLUSTER}-${m}`, site: 'oslo', agentUrl: fleet.url(`${CLUSTER}-${m}`), agentToken: fleet.token })) },
  });
  await poll();
  await refreshUntilIdle();
}, 60_000);

afterAll(async () => {
  await db.promotionRequest.deleteMany({ where: { cluster: { name: CLUSTER } } });
  await db.cluster.deleteMany({ where: { name: CLUSTER } });
  await fleet?.close();
  restoreEnv();
});

describe('the stored context item and detail', () => {
  it('are what the reads serve: one stored row per item, equal to the answer computed now', async () => {
    expect(await storedBasis()).toEqual({ item: { version: 1, versions: 1 }, detail: { version: 1, versions: 1, history: 1 } });
    const s = await expectServedAsComputed();
    expect(s.item).toMatchObject({ slug: CTX, currentVersion: 1, rpoClass: 'RPO-4', stale: false });
    expect(s.detail).toMatchObject({ currentVersion: 1, current: { version: 1 }, history: [{ version: 1, changes: expect.any(Number) }], stale: false });
    expect(s.detail.history[0].createdAt).toBeInstanceOf(Date);
    // the list reads the stored row as it is (a value only the stored row has shows through) …
    await db.$executeRawUnsafe(
      `UPDATE "vakt"."ContextReadModel" SET item = jsonb_set(item, '{rpoClass}', '"stored-marker"') WHERE "contextId" = (SELECT id FROM "vakt"."BoundedContext" WHERE slug = $1)`,
      CTX,
    );
    expect((await readContextList({ q: CTX })).items[0].rpoClass).toBe('stored-marker');
    expect((await readContexts()).find((c) => c.slug === CTX)?.rpoClass).toBe('stored-marker');
    // … and the worker's next computation replaces it
    await refreshUntilIdle({ kinds: ['context'] });
    await expectServedAsComputed();
  });

  it('a declaration change: read at once as computed now (the stored one is about version 1), then stored for version 2', async () => {
    await declareContext(CTX, { rpoClass: 'RPO-3', failover: 'manual' });
    const s = await expectServedAsComputed();
    expect(s.item).toMatchObject({ currentVersion: 2, rpoClass: 'RPO-3', failover: 'manual' });
    expect(s.detail.history.map((h) => h.version)).toEqual([2, 1]);
    expect(s.detail.history[0].changes).toBe(2);
    expect((await storedBasis()).item).toEqual({ version: 1, versions: 1 });
    await refreshUntilIdle({ kinds: ['context'] });
    expect(await storedBasis()).toEqual({ item: { version: 2, versions: 2 }, detail: { version: 2, versions: 2, history: 2 } });
    await expectServedAsComputed();
  });

  it('a proposal adds a version without moving the current one: its history shows it at once, then stored', async () => {
    const p = await putDeclaration({ actor: owner, slug: CTX, input: { spec: { ...(await readContext(CTX)).current!.spec, failover: 'operator-approved' }, reason: 'proposal' } });
    expect(p).toMatchObject({ version: 3, status: 'proposed' });
    const s = await expectServedAsComputed();
    expect(s.item.currentVersion).toBe(2);
    expect(s.detail.history.map((h) => h.version)).toEqual([3, 2, 1]);
    await refreshUntilIdle({ kinds: ['context'] });
    expect(await storedBasis()).toEqual({ item: { version: 2, versions: 3 }, detail: { version: 2, versions: 3, history: 3 } });
    await expectServedAsComputed();
  });

  it('a class change: the lint against the new catalog is read at once, then stored', async () => {
    const cls = await db.recoveryClass.findUniqueOrThrow({ where: { kind_name: { kind: 'RPO', name: 'RPO-3' } } });
    const before = (await served()).item.findingCounts;
    try {
      // the declared class no longer exists under its name: a lint error about the declaration
      await updateClass({ actor: cliActor(), id: cls.id, input: { name: 'RPO-3-renamed', boundSeconds: cls.boundSeconds } });
      const s = await expectServedAsComputed();
      expect(s.item.findingCounts.error).toBeGreaterThan(before.error);
      expect(s.detail.findings.some((f) => f.source === 'lint' && f.severity === 'error')).toBe(true);
      await refreshUntilIdle({ kinds: ['context'] });
      const again = await expectServedAsComputed();
      expect(again.item.findingCounts).toEqual(s.item.findingCounts);
    } finally {
      await updateClass({ actor: cliActor(), id: cls.id, input: { name: 'RPO-3', boundSeconds: cls.boundSeconds } });
    }
    expect((await served()).item.findingCounts).toEqual(before);
    await refreshUntilIdle({ kinds: ['context'] });
    await expectServedAsComputed();
  });

  it('a poll: an agent that stops answering (NODE_UNKNOWN) is counted in the stored item once the worker computed it', async () => {
    const before = (await served()).item.findingCounts;
    fleet.set(`${CLUSTER}-a`, { behaviour: 'http500' });
    try {
      await poll();
      await refreshUntilIdle();
      const s = await expectServedAsComputed();
      expect(s.detail.findings.map((f) => f.code)).toContain('NODE_UNKNOWN');
      expect(s.item.findingCounts.error + s.item.findingCounts.warning).toBeGreaterThan(before.error + before.warning);
      expect(s.item.stale).toBe(false);
    } finally {
      fleet.set(`${CLUSTER}-a`, { behaviour: 'ok' });
    }
    await poll();
    await refreshUntilIdle();
    expect((await expectServedAsComputed()).detail.findings.map((f) => f.code)).not.toContain('NODE_UNKNOWN');
  });

  it('time passing with no new input: the stored item counts AGENT_STALE once the observations age, and is fresh itself', async () => {
    const before = (await served()).item.findingCounts;
    await new Promise((r) => setTimeout(r, STALE_MS + 500));
    await refreshUntilIdle({ kinds: ['context'] });
    const s = await expectServedAsComputed();
    expect(s.detail.findings.map((f) => f.code)).toContain('AGENT_STALE');
    expect(s.detail.findings.map((f) => f.code)).not.toContain('READ_MODEL_STALE');
    expect(s.item).toMatchObject({ stale: false });
    expect(s.item.findingCounts).not.toEqual(before);
  });

  it('a stale stored item reads as stale: stale: true and the READ_MODEL_STALE error counted, never a clean bill', async () => {
    await refreshUntilIdle({ kinds: ['context'] });
    const fresh = (await served()).item;
    expect(fresh.stale).toBe(false);
    await new Promise((r) => setTimeout(r, STALE_MS + 500));
    const s = await expectServedAsComputed();
    expect(s.item).toMatchObject({ stale: true, computedAt: fresh.computedAt });
    expect(s.item.findingCounts).toEqual({ ...fresh.findingCounts, error: fresh.findingCounts.error + 1 });
    expect(s.detail).toMatchObject({ stale: true });
    expect(s.detail.findings.find((f) => f.code === 'READ_MODEL_STALE')).toMatchObject({ severity: 'error', source: 'live' });
  });
});

// The stored safety read (readClusterSafety) reads the cluster's maintenance and whether it has open
// requests in its one query: it answers both as the fresh answer does (getClusterSafety), with and without.
describe('the stored safety answer of the same cluster', () => {
  const parts = (a: Awaited<ReturnType<typeof getClusterSafety>>) => json({ openRequests: a.openRequests, maintenance: a.maintenance });
  it('open requests and maintenance as the fresh answer has them', async () => {
    await poll();
    await refreshUntilIdle();
    expect(parts(await readClusterSafety(CLUSTER))).toEqual({ openRequests: [], maintenance: null });
    expect(parts(await readClusterSafety(CLUSTER))).toEqual(parts(await getClusterSafety(CLUSTER)));
    const c = await db.cluster.findUniqueOrThrow({ where: { name: CLUSTER } });
    const until = new Date(Date.now() + 3_600_000);
    await db.cluster.update({ where: { id: c.id }, data: { maintenanceReason: 'kernel update', maintenanceUntil: until, maintenanceSince: new Date(), maintenanceBy: 'test' } });
    const req = await db.promotionRequest.create({
      data: { clusterId: c.id, candidate: `${CLUSTER}-b`, reason: 'stored safety read test', status: 'PENDING', requestedByLabel: 'test', epochBefore: c.epoch, approvalsRequired: 1, verdict: {}, observedLsns: {}, expiresAt: until },
    });
    try {
      const stored = await readClusterSafety(CLUSTER);
      expect(stored.maintenance).toMatchObject({ reason: 'kernel update', until: until.toISOString() });
      expect(stored.openRequests.map((r) => r.id)).toEqual([req.id]);
      expect(parts(stored)).toEqual(parts(await getClusterSafety(CLUSTER)));
    } finally {
      await db.promotionRequest.update({ where: { id: req.id }, data: { status: 'FAILED', finishedAt: new Date() } });
      await db.cluster.update({ where: { id: c.id }, data: { maintenanceReason: null, maintenanceUntil: null, maintenanceSince: null, maintenanceBy: null } });
    }
    expect(parts(await readClusterSafety(CLUSTER))).toEqual({ openRequests: [], maintenance: null });
  });
});
