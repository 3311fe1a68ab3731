import { beforeAll, expect, it } from 'vitest';
import { db, dbNow, getDb } from '@/lib/base/db';
import { readOverview } from './overview';
import { ensureSites } from '../../tests/support/cluster-setup';

// The overview's read on real PostgreSQL: stored rows of every kind (read-model states, a pending
// promotion and switchover, a pending rejoin, a firing alert, failed and succeeded drills, stored
// live findings, a declaration proposal) come back as the ordered attention list; a stale read-model
// row reads UNKNOWN and is never an item; the answer's query count does not grow with the fleet.
const P = `ov-${Date.now().toString(36)}`;
const n = (s: string) => `${P}-${s}`;

async function cluster(name: string, state: string, computedAgoMs: number, site = 'oslo') {
  const s = await db.site.findUniqueOrThrow({ where: { name: site } });
  const c = await db.cluster.create({ data: { name, kind: 'vakt_agent', members: { create: [{ name: `${name}-a`, siteId: s.id, agentUrl: 'http://127.0.0.1:9/a', nextPollAt: new Date(Date.now() + 86_400_000) }] } } });
  const now = await dbNow();
  const item = { name, kind: 'vakt-agent', epoch: 0, state, paused: null, contexts: [], members: [{ name: `${name}-a`, site, role: 'primary', status: 'ok', reachable: true, timeline: 1, lagBytes: null, lagSeconds: null, syncState: null, fenced: false, observedAt: now.toISOString() }] };
  await db.clusterReadModel.create({ data: { clusterId: c.id, computedAt: new Date(now.getTime() - computedAgoMs), inputs: {}, state, report: {}, view: {}, digest: '', item } });
  return c;
}

beforeAll(async () => {
  await ensureSites('oslo', 'bergen');
  const now = await dbNow();
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const down = await cluster(n('down'), 'PRIMARY_DOWN', 0);
  await cluster(n('stale'), 'SPLIT_BRAIN', 3_600_000, 'bergen');
  await cluster(n('ok'), 'HEALTHY', 0);
  const request = (kind: string, createdAt: Date) => ({ clusterId: down.id, candidate: `${n('down')}-b`, reason: 'r', requestedByLabel: 'op', epochBefore: 0, approvalsRequired: 2, verdict: {}, observedLsns: {}, expiresAt: new Date(now.getTime() + 3_600_000), kind, createdAt });
  await db.promotionRequest.create({ data: request('switchover', ago(60_000)) });
  await db.promotionRequest.create({ data: request('failover', ago(30_000)) });
  await db.promotionRequest.create({ data: { ...request('failover', ago(90_000)), status: 'COMPLETED' } });
  await db.rejoinRequest.create({ data: { clusterId: down.id, member: `${n('down')}-a`, reason: 'r', requestedByLabel: 'op', epoch: 1, expiresAt: new Date(now.getTime() + 3_600_000) } });
  await db.alert.create({ data: { key: `primary_down/cluster/${n('down')}`, rule: 'primary_down', severity: 'critical', cluster: n('down'), state: 'firing', message: 'm', firedAt: ago(20_000), lastTrueAt: now } });
  await db.alert.create({ data: { key: `old/${P}`, rule: 'primary_down', severity: 'critical', cluster: n('ok'), state: 'resolved', message: 'm', firedAt: ago(900_000), lastTrueAt: ago(800_000), resolvedAt: ago(700_000) } });
  // down: the latest finished drill failed; ok: an older failure, then a success (nothing to do)
  const drill = (clusterId: string, status: 'FAILED' | 'SUCCEEDED', finishedAt: Date) => ({ clusterId, status, trigger: 'manual', requestedByLabel: 'op', finishedAt, error: status === 'FAILED' ? 'restore exited 1' : null });
  await db.restoreDrill.create({ data: drill(down.id, 'FAILED', ago(10_000)) });
  const okId = (await db.cluster.findUniqueOrThrow({ where: { name: n('ok') } })).id;
  await db.restoreDrill.createMany({ data: [drill(okId, 'FAILED', ago(50_000)), drill(okId, 'SUCCEEDED', ago(5_000))] });
  const team = await db.team.create({ data: { name: n('team') } });
  const ctx = (slug: string, extra = {}) => db.boundedContext.create({ data: { slug, name: slug, teamId: team.id, ...extra } });
  const fresh = await ctx(n('fresh'));
  const staleCtx = await ctx(n('stalectx'));
  const finding = (code: string) => ({ code, severity: 'warning', message: `${code} message`, source: 'live' });
  await db.contextReadModel.create({ data: { contextId: fresh.id, computedAt: now, inputs: {}, findings: [finding('DRILL_OVERDUE'), finding('BACKUPS_UNTRUSTED'), finding('RPO_EXCEEDED')], digest: '' } });
  await db.contextReadModel.create({ data: { contextId: staleCtx.id, computedAt: ago(3_600_000), inputs: {}, findings: [finding('DRILL_OVERDUE')], digest: '' } });
  const proposed = await ctx(n('proposed'), { pendingVersion: 2, latestVersion: 2, currentVersion: 1 });
  await db.declaration.create({ data: { contextId: proposed.id, version: 2, spec: {}, authorLabel: 'owner@vakt.demo', status: 'proposed' } });
});

it('every kind of stored row is an item, most urgent first; stale rows read UNKNOWN and are no item', async () => {
  const o = await readOverview();
  const mine = o.attention.filter((i) => i.subject.startsWith(P));
  expect(mine.map((i) => [i.kind, i.subject])).toEqual([
    ['Primary down', n('down')],
    ['Promotion awaiting approval', n('down')],
    ['Switchover awaiting approval', n('down')],
    ['Rejoin awaiting approval', n('down')],
    ['Alert firing', n('down')],
    ['Drill failed', n('down')],
    ['Drill overdue', n('fresh')],
    ['Backups untrusted', n('fresh')],
    ['Declaration proposal', n('proposed')],
  ]);
  expect(mine.find((i) => i.kind === 'Promotion awaiting approval')!.href).toMatch(/^\/promotions\/[0-9a-f-]{36}$/);
  expect(mine.find((i) => i.kind === 'Drill failed')!.detail).toContain('restore exited 1');
  expect(mine.find((i) => i.kind === 'Declaration proposal')!.detail).toContain('owner@vakt.demo');
  const states = Object.fromEntries(o.clusters.filter((c) => c.name.startsWith(P)).map((c) => [c.name, [c.state, c.stale]]));
  expect(states).toEqual({ [n('down')]: ['PRIMARY_DOWN', false], [n('stale')]: ['UNKNOWN', true], [n('ok')]: ['HEALTHY', false] });
  // worst first: the down cluster before the healthy one
  const names = o.clusters.map((c) => c.name);
  expect(names.indexOf(n('down'))).toBeLessThan(names.indexOf(n('ok')));
});

it('a fixed number of database operations, whatever the fleet size', async () => {
  // count every operation readOverview sends (models and raw), through the process's one client
  const g = globalThis as unknown as { vaktPrisma?: unknown };
  const base = getDb();
  let count = 0;
  g.vaktPrisma = base.$extends({ query: { $allOperations: ({ args, query }) => { count++; return query(args); } } });
  const cost = async () => {
    count = 0;
    await readOverview();
    return count;
  };
  try {
    const small = await cost();
    for (let i = 0; i < 15; i++) await cluster(n(`more-${i}`), 'DEGRADED', 0);
    const large = await cost();
    expect(large).toBe(small);
    expect(small).toBeGreaterThan(5);
    expect(small).toBeLessThanOrEqual(10);
  } finally {
    g.vaktPrisma = base;
  }
});
