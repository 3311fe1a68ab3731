import { inRequestScope } from '../support/next-request-scope';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { systemActor } from '@/lib/auth/actor';
import { createApiToken } from '@/lib/auth/tokens';
import { registerCluster } from '@/lib/registry/register-cluster';
import { createPoller } from '@/lib/telemetry/poll-cycle';
import { refreshUntilIdle } from '@/lib/readmodel/refresh';
import { readClusters, readContextList, readFleetSummary } from '@/lib/readmodel/read';
import { decodeCursor, encodeCursor, STATE_RANK, type TClusterListItem } from '@/lib/readmodel/list';
import * as clustersRoute from '@/app/api/v1/clusters/route';
import * as contextsRoute from '@/app/api/v1/contexts/route';
import { startFakeFleet, type TFakeFleet } from '../support/fake-agent';
import { declareContext, ensureSite } from '../support/promotion-support';
import { onlyDue } from '../support/cluster-setup';

// The list reads (docs/api.md "Lists"): bounded pages with a cursor, filters, the compact item the
// worker stored served in one query, a stale row still UNKNOWN + stale: true inside a page, and the
// routes' 422s naming the parameter. Clusters are real registrations polled from fake agents and
// computed by the read model's own refresh; names carry a prefix so other files' rows do not matter.
const P = 'lst9-';
const N = 12;
const name = (i: number) => `${P}${String(i).padStart(2, '0')}`;
let fleet: TFakeFleet;
let viewerToken: string;

const all = async (q: Parameters<typeof readClusters>[0] = {}) => {
  const out: TClusterListItem[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Awaited<ReturnType<typeof readClusters>> = await readClusters({ q: P, ...q, ...(cursor ? { cursor: decode(cursor) } : {}) });
    out.push(...page.items);
    cursor = page.next;
    pages++;
  } while (cursor && pages < 50);
  return { items: out, pages };
};
const decode = (c: string) => decodeCursor(c)!;
const get = async (route: typeof clustersRoute | typeof contextsRoute, url: string, token: string | null = viewerToken) =>
  route.GET(new Request(`http://localhost${url}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }), { params: Promise.resolve({}) });

beforeAll(async () => {
  await ensureSite('oslo');
  await ensureSite('bergen');
  // every third cluster has its replica in bergen; cluster 4's primary answers 500 (down), 7 has two primaries
  const nodes = Array.from({ length: N }, (_, i) => [
    { name: `${name(i)}-a`, site: 'oslo', role: 'primary' as const, lsn: 0x3001000, ...(i === 4 ? { behaviour: 'http500' as const } : {}) },
    { name: `${name(i)}-b`, site: i % 3 === 0 ? 'bergen' : 'oslo', role: i === 7 ? ('primary' as const) : ('replica' as const), lsn: 0x3000000, ...(i === 7 ? { timeline: 2 } : {}) },
  ]).flat();
  fleet = await startFakeFleet(nodes);
  for (let i = 0; i < N; i++) {
    await registerCluster({
      actor: systemActor('test'),
      input: { name: name(i), kind: 'vakt-agent', members: ['a', 'b'].map((m) => ({ name: `${name(i)}-${m}`, site: fleet.nodes.get(`${name(i)}-${m}`)!.site, agentUrl: fleet.url(`${name(i)}-${m}`), agentToken: fleet.token })) },
    });
  }
  // poll until every member has an observation (a cycle takes the members that are due)
  await onlyDue({ like: `${P}%` });
  for (let i = 0; i < 20; i++) {
    await createPoller({ workerId: 'w-lists', timeoutMs: 700 }).runCycle();
    const [{ n }] = await db.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM "vakt"."NodeObservation" o JOIN "vakt"."ClusterMember" m ON m.id = o."memberId" JOIN "vakt"."Cluster" c ON c.id = m."clusterId" WHERE c.name LIKE $1`,
      `${P}%`,
    );
    if (n === 2 * N) break;
    await onlyDue({ like: `${P}%` });
  }
  await refreshUntilIdle();
  for (let k = 0; k < 7; k++) await declareContext(`${P}ctx-${k}`);
  await refreshUntilIdle({ kinds: ['context'] });
  viewerToken = (await createApiToken({ actor: systemActor(), input: { name: 'lists-viewer', role: 'viewer' } })).token;
}, 120_000);

afterAll(async () => {
  await db.cluster.deleteMany({ where: { name: { startsWith: P } } });
  await fleet?.close();
});

describe('GET /api/v1/clusters: pages of compact items', () => {
  it('one page of every cluster by name, compact (no agent URLs, LSNs or errors), members aged at read time', async () => {
    const page = await readClusters({ q: P });
    expect(page.total).toBe(N);
    expect(page.next).toBeNull();
    expect(page.items.map((c) => c.name)).toEqual(Array.from({ length: N }, (_, i) => name(i)));
    const c = page.items[1];
    expect(c).toMatchObject({ kind: 'vakt-agent', stale: false, contexts: [] });
    expect(Date.parse(c.computedAt!)).toBeGreaterThan(0);
    expect(Object.keys(c.members[0]).sort()).toEqual(['ageSeconds', 'fenced', 'lagBytes', 'lagSeconds', 'name', 'observedAt', 'reachable', 'role', 'site', 'stale', 'status', 'syncState', 'timeline']);
    expect(c.members.map((m) => [m.name, m.status, m.stale])).toEqual([[`${name(1)}-a`, 'ok', false], [`${name(1)}-b`, 'ok', false]]);
    expect(c.members[0].ageSeconds).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(page)).not.toMatch(/agentUrl|fake-token|"lsn"/);
  });

  it('a cursor walks the list in pages of `limit` without gaps or repeats, by name and worst first', async () => {
    const byName = await all({ limit: 5 });
    expect(byName.pages).toBe(3);
    expect(byName.items.map((c) => c.name)).toEqual(Array.from({ length: N }, (_, i) => name(i)));
    const worst = await all({ limit: 4, sort: 'worst' });
    expect(worst.pages).toBe(3);
    const expected = [...byName.items].sort((a, b) => STATE_RANK[a.state] - STATE_RANK[b.state] || (a.name < b.name ? -1 : 1)).map((c) => c.name);
    expect(worst.items.map((c) => c.name)).toEqual(expected);
    // the fleet is not all one state: cluster 4's primary is down, 7 has two primaries
    expect(new Set(worst.items.map((c) => c.state)).size).toBeGreaterThan(1);
    expect(worst.items.find((c) => c.name === name(1))?.state).toBe('HEALTHY');
    expect(worst.items.at(-1)?.state).toBe('HEALTHY');
    expect(STATE_RANK[worst.items[0].state]).toBeLessThan(STATE_RANK.HEALTHY);
  });

  it('filters: site, text (taken literally), state; the summary counts agree', async () => {
    const bergen = await readClusters({ q: P, site: 'bergen' });
    expect(bergen.items.map((c) => c.name)).toEqual([0, 3, 6, 9].map(name));
    expect(bergen.total).toBe(4);
    expect((await readClusters({ q: `${P}1` })).items.map((c) => c.name)).toEqual([name(10), name(11)]);
    expect((await readClusters({ q: `${P}%` })).total).toBe(0);
    expect((await readClusters({ q: `${P}_1` })).total).toBe(0);
    const healthy = await readClusters({ q: P, state: ['HEALTHY'] });
    expect(healthy.total).toBeGreaterThan(0);
    expect(healthy.items.every((c) => c.state === 'HEALTHY')).toBe(true);
    const others = await readClusters({ q: P, state: ['SPLIT_BRAIN', 'PRIMARY_DOWN', 'DEGRADED', 'UNKNOWN'] });
    expect(healthy.total + others.total).toBe(N);
    const summary = await readFleetSummary();
    expect(Object.values(summary.states).reduce((a, b) => a + (b ?? 0), 0)).toBe(summary.clusters);
    expect(summary.states.HEALTHY).toBeGreaterThanOrEqual(healthy.total);
    const site = summary.sites.find((s) => s.site === 'bergen')!;
    expect(site).toMatchObject({ clusters: expect.any(Number), members: expect.any(Number) });
    expect(site.clusters).toBeGreaterThanOrEqual(4);
    expect(site.ok + site.down + site.unknown).toBe(site.members);
    const withSummary = await readClusters({ q: P, limit: 1, summary: true });
    expect(withSummary.summary).toEqual(summary);
  });

  it('a cursor past the end: an empty page, no next; the total still counts the matches', async () => {
    const page = await readClusters({ q: P, cursor: { sort: 'name', after: `${P}zz` } });
    expect(page).toEqual({ items: [], next: null, total: N });
  });

  it('a stale row inside a page reads UNKNOWN with stale: true (never its stored state), and filters by that', async () => {
    await db.$executeRawUnsafe(
      `UPDATE "vakt"."ClusterReadModel" r SET "computedAt" = r."computedAt" - interval '1 hour' FROM "vakt"."Cluster" c WHERE c.id = r."clusterId" AND c.name = $1`,
      name(2),
    );
    const page = await readClusters({ q: P, limit: 3 });
    expect(page.items.map((c) => c.name)).toEqual([name(0), name(1), name(2)]);
    expect(page.items[2]).toMatchObject({ state: 'UNKNOWN', stale: true });
    expect(page.items[1]).toMatchObject({ state: 'HEALTHY', stale: false });
    expect((await readClusters({ q: P, state: ['HEALTHY'] })).items.map((c) => c.name)).not.toContain(name(2));
    expect((await readClusters({ q: P, state: ['UNKNOWN'] })).items.map((c) => c.name)).toContain(name(2));
    expect((await readFleetSummary()).stale).toBeGreaterThanOrEqual(1);
    await refreshUntilIdle();
    expect((await readClusters({ q: name(2) })).items[0]).toMatchObject({ state: 'HEALTHY', stale: false });
  });

  it('a row without a stored item (computed before the column, or never) is shaped from its view: the same item', async () => {
    const stored = (await readClusters({ q: name(5) })).items[0];
    await db.$executeRawUnsafe(`UPDATE "vakt"."ClusterReadModel" r SET item = NULL FROM "vakt"."Cluster" c WHERE c.id = r."clusterId" AND c.name = $1`, name(5));
    const shaped = (await readClusters({ q: name(5) })).items[0];
    const noAges = (c: TClusterListItem) => ({ ...c, members: c.members.map((m) => ({ ...m, ageSeconds: 0 })) });
    expect(noAges(shaped)).toEqual(noAges(stored));
    // a cluster the worker has not seen yet: UNKNOWN, stale, computedAt null
    await registerCluster({ actor: systemActor('test'), input: { name: `${P}new`, kind: 'vakt-agent', members: [{ name: `${P}new-a`, site: 'oslo', agentUrl: fleet.url(`${name(0)}-a`), agentToken: fleet.token }] } });
    expect((await readClusters({ q: `${P}new` })).items).toMatchObject([{ name: `${P}new`, state: 'UNKNOWN', stale: true, computedAt: null, members: [{ status: 'never', stale: true, ageSeconds: null }] }]);
    await db.cluster.delete({ where: { name: `${P}new` } });
    await refreshUntilIdle();
  });

  it('through the route: JSON with items/next/total; 422 naming the parameter for a bad limit, cursor, sort, state or an unknown one; 401 without a token', async () => {
    const ok = await get(clustersRoute, `/api/v1/clusters?q=${P}&limit=5&sort=worst`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('application/json');
    const body = (await ok.json()) as { items: TClusterListItem[]; next: string; total: number };
    expect(body.items).toHaveLength(5);
    expect(body.total).toBe(N);
    const second = (await (await get(clustersRoute, `/api/v1/clusters?q=${P}&limit=5&sort=worst&cursor=${body.next}`)).json()) as typeof body;
    expect(second.items.map((c) => c.name)).toEqual((await all({ sort: 'worst' })).items.slice(5, 10).map((c) => c.name));
    const bad: Array<[string, string]> = [
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=2.5', 'limit'],
      ['cursor=nonsense', 'cursor'],
      [`cursor=${encodeCursor({ sort: 'worst', after: 'x', rank: 1 })}`, 'cursor'],
      ['sort=size', 'sort'],
      ['state=HEALTHY,FINE', 'state.1'],
      ['site=', 'site'],
    ];
    for (const [qs, field] of bad) {
      const r = await get(clustersRoute, `/api/v1/clusters?${qs}`);
      expect(r.status, qs).toBe(422);
      const e = (await r.json()) as { error: { code: string; message: string; details: { fields: Array<{ path: string }> } } };
      expect(e.error.code).toBe('VALIDATION');
      expect(e.error.details.fields.map((f) => f.path), qs).toContain(field);
      expect(e.error.message, qs).toContain(field.split('.')[0]);
    }
    const unknown = await get(clustersRoute, '/api/v1/clusters?page=2');
    expect(unknown.status).toBe(422);
    expect((await unknown.json()).error.message).toContain('page');
    expect((await inRequestScope('/api/v1/clusters', () => get(clustersRoute, '/api/v1/clusters', null))).status).toBe(401);
  });
});

describe('GET /api/v1/contexts: pages', () => {
  it('pages by slug with a cursor; team and text filters; a cursor past the end; 422 for a bad limit', async () => {
    const first = await readContextList({ q: `${P}ctx`, limit: 3 });
    expect(first.total).toBe(7);
    expect(first.items.map((c) => c.slug)).toEqual([0, 1, 2].map((k) => `${P}ctx-${k}`));
    expect(first.items[0]).toMatchObject({ team: 'platform-test', stale: false, findingCounts: expect.any(Object) });
    const r = await get(contextsRoute, `/api/v1/contexts?q=${P}ctx&limit=3&cursor=${first.next}`);
    expect(r.status).toBe(200);
    const second = (await r.json()) as { items: Array<{ slug: string }>; next: string | null };
    expect(second.items.map((c) => c.slug)).toEqual([3, 4, 5].map((k) => `${P}ctx-${k}`));
    const third = await readContextList({ q: `${P}ctx`, limit: 3, cursor: decode(second.next!) });
    expect(third.items.map((c) => c.slug)).toEqual([`${P}ctx-6`]);
    expect(third.next).toBeNull();
    expect((await readContextList({ q: `${P}ctx`, team: 'platform-test' })).total).toBe(7);
    expect((await readContextList({ q: `${P}ctx`, team: 'no-such-team' })).total).toBe(0);
    expect(await readContextList({ q: `${P}ctx`, cursor: { sort: 'name', after: `${P}zz` } })).toEqual({ items: [], next: null, total: 7 });
    const bad = await get(contextsRoute, '/api/v1/contexts?limit=1000');
    expect(bad.status).toBe(422);
    expect((await bad.json()).error.details.fields).toEqual([{ path: 'limit', message: expect.stringContaining('1 to 200') }]);
    expect((await get(contextsRoute, `/api/v1/contexts?cursor=${encodeCursor({ sort: 'worst', after: 'x', rank: 0 })}`)).status).toBe(422);
  });
});
