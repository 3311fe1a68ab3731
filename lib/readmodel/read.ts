// What the API routes and pages serve: the read model the worker keeps current (./refresh.ts), read
// with a fixed number of queries whatever the fleet size, never an engine run. Every answer carries
// `computedAt` and `stale`; a computation older than the stale limit (VAKT_STALE_AFTER_MS, the engine's
// staleAfterSeconds) reads as UNKNOWN / BLOCKED / a READ_MODEL_STALE finding, never as healthy.
// Nothing that executes reads this (promotion requests, approvals, the executor and automatic mode
// re-evaluate on fresh data; eslint.config.mjs keeps lib/promotion from importing lib/readmodel).
import { db } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { notFound } from '@/lib/base/errors';
import type { TSafetyReport } from '@/lib/safety/engine';
import { clusterKindFromDb } from '@/lib/pg';
import type { TFinding } from '@/lib/findings/types';
import { getContextFindings } from '@/lib/findings/get-context-findings';
import { clusterEvents, clusterViewInclude, getClusterHistory, memberAge, shapeClusterView, type TClusterView } from '@/lib/registry/read-clusters';
import { getContext, listContextPage, type TContextDetail, type TContextSummary, type TLiveSource } from '@/lib/registry/contexts';
import { safetyAnswer, type TClusterSafety } from '@/lib/promotion/get-cluster-safety';
import { OPEN_STATUSES } from '@/lib/promotion/rules';
import type { TDeclarationSpec } from '@/lib/registry/declaration-schema';
import { freshness, servedLiveFindings, servedReport, type TFreshness } from './freshness';
import { catalogKey, servedContextDetail, servedContextItem, storedIsCurrent, type TStoredContextDetail, type TStoredContextItem } from './context-item';
import { clusterListItem, encodeCursor, likePattern, LIST_DEFAULT_LIMIT, STATE_RANK, type TClusterListItem, type TClusterListQuery, type TContextListQuery } from './list';

type TClusterReadRow = { id: string; name: string; kind: string; epoch: number; computedAt: Date | null; view: TClusterView | null; dbNow: Date };
// jsonb read as text and parsed here: cheaper than the driver's per-value conversion for large lists
type TClusterReadRaw = Omit<TClusterReadRow, 'view'> & { view: string | null };

const staleAfterMs = () => env().VAKT_STALE_AFTER_MS;

async function clusterRowsWhere(where: string, arg: string | string[] | null): Promise<TClusterReadRow[]> {
  const rows = await db.$queryRawUnsafe<TClusterReadRaw[]>(
    `SELECT c.id, c.name, c.kind::text AS kind, c.epoch, r."computedAt", r."view"::text AS "view", now() AS "dbNow"
       FROM "vakt"."Cluster" c LEFT JOIN "vakt"."ClusterReadModel" r ON r."clusterId" = c.id
      WHERE ${where} ORDER BY c.name`,
    arg,
  );
  return rows.map((r) => ({ ...r, view: r.view ? (JSON.parse(r.view) as TClusterView | null) : null }));
}
const clusterRows = (name: string) => clusterRowsWhere('c.name = $1', name);
const clusterRowsById = (ids: string[]) => clusterRowsWhere('c.id = ANY($1::text[])', ids);

/** The stored view as served at `now`: member ages from their observation time; stale reads UNKNOWN. */
function servedView(view: TClusterView, f: TFreshness, nowMs: number): TClusterView {
  const members = view.members.map((m) => ({ ...m, ...memberAge(m.observedAt, nowMs) }));
  return { ...view, members, state: f.stale ? 'UNKNOWN' : view.state, computedAt: f.computedAt, stale: f.stale };
}

/** Views of clusters the worker has not computed yet: shaped from the rows, state UNKNOWN (never healthy). */
async function uncomputedViews(ids: string[], nowMs: number): Promise<Map<string, TClusterView>> {
  if (!ids.length) return new Map();
  const rows = await db.cluster.findMany({ where: { id: { in: ids } }, include: clusterViewInclude });
  return new Map(rows.map((r) => [r.id, shapeClusterView(r, 'UNKNOWN', [], nowMs)]));
}

async function served(rows: TClusterReadRow[]): Promise<TClusterView[]> {
  const missing = await uncomputedViews(rows.filter((r) => !r.view).map((r) => r.id), rows[0]?.dbNow.getTime() ?? 0);
  return rows.map((r) => {
    const f = freshness(r.view ? r.computedAt : null, r.dbNow, staleAfterMs());
    return servedView(r.view ?? missing.get(r.id)!, f, r.dbNow.getTime());
  });
}

// The served state of every cluster matching the filters, without its stored JSON (the page's items
// are joined in afterwards): stale (older than $1 ms, or never computed) reads UNKNOWN.
const STALE_SQL = `(r."computedAt" IS NULL OR r."computedAt" <= 'epoch'::timestamp OR (now() AT TIME ZONE 'UTC') - r."computedAt" > $1::int * interval '1 millisecond')`;
const STATE_SQL = `CASE WHEN ${STALE_SQL} THEN 'UNKNOWN' ELSE r.state END`;
const SERVED = `WITH g AS (
  SELECT c.id, c.name, ${STALE_SQL} AS stale, ${STATE_SQL} AS state,
         CASE ${STATE_SQL} ${Object.entries(STATE_RANK).map(([k, v]) => `WHEN '${k}' THEN ${v}`).join(' ')} ELSE 9 END AS rank
    FROM "vakt"."Cluster" c LEFT JOIN "vakt"."ClusterReadModel" r ON r."clusterId" = c.id
   WHERE ($2::text IS NULL OR c.name ILIKE $2)
     AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM "vakt"."ClusterMember" m JOIN "vakt"."Site" s ON s.id = m."siteId" WHERE m."clusterId" = c.id AND s.name = $3))
     AND ($4::text[] IS NULL OR ${STATE_SQL} = ANY($4::text[]))
)`;

// The stored item as served now (one expression, in SQL): state and freshness, member ages from their observation time.
const SERVED_ITEM = `(r.item || jsonb_build_object(
    'state', p.state,
    'stale', p.stale,
    'computedAt', CASE WHEN r."computedAt" <= 'epoch'::timestamp THEN NULL ELSE to_char(r."computedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END,
    'members', (SELECT coalesce(jsonb_agg(e.m || CASE WHEN e.m->>'observedAt' IS NULL THEN '{"ageSeconds": null, "stale": true}'::jsonb ELSE jsonb_build_object(
                   'ageSeconds', greatest(0, round(extract(epoch FROM now() - (e.m->>'observedAt')::timestamptz)::float8 * 10) / 10),
                   'stale', extract(epoch FROM now() - (e.m->>'observedAt')::timestamptz) * 1000 > $1::int) END ORDER BY e.i), '[]'::jsonb)
                  FROM jsonb_array_elements(r.item->'members') WITH ORDINALITY AS e(m, i))))::text`;

type TListRow = { total: number; id: string | null; name: string | null; rank: number | null; item: string | null };
export type TPage<T> = { items: T[]; next: string | null; total: number };
export type TFleetSummary = {
  clusters: number;
  /** clusters per served state (stale reads UNKNOWN) */
  states: Partial<Record<TClusterListItem['state'], number>>;
  /** clusters whose computation is stale */
  stale: number;
  /** split-brain clusters by name (at most 20) */
  splitBrain: string[];
  /** per site: clusters with a member there, members, and by their latest observation: answering, down, unknown or not polled, stale */
  sites: Array<{ site: string; clusters: number; members: number; ok: number; down: number; unknown: number; stale: number }>;
};

/**
 * GET /api/v1/clusters and the fleet page: one page of compact list items (docs/api.md "Lists") as JSON
 * text: one query concatenating the items the worker stored; only a row not stored yet is shaped here.
 */
export async function readClusterList(q: Partial<TClusterListQuery> = {}): Promise<string> {
  const limit = q.limit ?? LIST_DEFAULT_LIMIT;
  const sort = q.sort ?? 'name';
  const after = q.cursor?.after ?? null;
  const keyset = sort === 'worst' ? `($5::text IS NULL OR (g.rank, g.name) > ($6::int, $5::text))` : `($5::text IS NULL OR g.name > $5::text) AND $6::int IS NULL`;
  const order = sort === 'worst' ? 'p.rank, p.name' : 'p.name';
  // the fleet's counts (the fleet page's `summary`) side by side with the page, not after it
  const summaryP = q.summary ? readFleetSummary() : null;
  summaryP?.catch(() => undefined);
  const rows = await db.$queryRawUnsafe<TListRow[]>(
    `${SERVED}, p AS (SELECT g.* FROM g WHERE ${keyset} ORDER BY ${order.replaceAll('p.', 'g.')} LIMIT $7)
     SELECT (SELECT count(*)::int FROM g) AS total, p.id, p.name, p.rank, CASE WHEN r.item IS NULL THEN NULL ELSE ${SERVED_ITEM} END AS item
       FROM (SELECT 1) one LEFT JOIN p ON true LEFT JOIN "vakt"."ClusterReadModel" r ON r."clusterId" = p.id ORDER BY ${order}`,
    staleAfterMs(),
    q.q ? likePattern(q.q) : null,
    q.site ?? null,
    q.state ?? null,
    after,
    sort === 'worst' ? (q.cursor?.rank ?? null) : null,
    limit + 1,
  );
  const page = rows.filter((r) => r.id !== null).slice(0, limit + 1);
  const more = page.length > limit;
  const items = page.slice(0, limit);
  const missing = items.filter((r) => r.item === null).map((r) => r.id!);
  const shaped = missing.length ? new Map((await served(await clusterRowsById(missing))).map((v) => [v.name, JSON.stringify(clusterListItem(v))])) : new Map<string, string>();
  const last = items.at(-1);
  const next = more && last ? encodeCursor({ sort, after: last.name!, rank: last.rank ?? 9 }) : null;
  const summary = summaryP ? `,"summary":${JSON.stringify(await summaryP)}` : '';
  return `{"items":[${items.map((r) => r.item ?? shaped.get(r.name!)).join(',')}],"next":${JSON.stringify(next)},"total":${rows[0]?.total ?? 0}${summary}}`;
}

/** The fleet page's first page (and the API's, parsed): see readClusterList. */
export async function readClusters(q: Partial<TClusterListQuery> = {}): Promise<TPage<TClusterListItem> & { summary?: TFleetSummary }> {
  return JSON.parse(await readClusterList(q)) as TPage<TClusterListItem> & { summary?: TFleetSummary };
}

/**
 * Every cluster as served now (stale reads UNKNOWN), for the worker's alert evaluation, which judges the
 * whole fleet once per interval; requests read pages (readClusterList).
 */
export async function readAllClusters(): Promise<TClusterView[]> {
  return served(await clusterRowsWhere('$1::text IS NULL', null));
}

/**
 * Counts for the fleet page's summary (one statement): clusters per served state from the read model;
 * per site the members and their latest stored observation (status, age), as the poller wrote them.
 */
export async function readFleetSummary(): Promise<TFleetSummary> {
  const [row] = await db.$queryRawUnsafe<Array<{ summary: string }>>(
    `WITH g AS (SELECT c.name, ${STALE_SQL} AS stale, ${STATE_SQL} AS state FROM "vakt"."Cluster" c LEFT JOIN "vakt"."ClusterReadModel" r ON r."clusterId" = c.id)
     SELECT jsonb_build_object(
       'clusters', (SELECT count(*) FROM g),
       'states', (SELECT coalesce(jsonb_object_agg(x.state, x.n), '{}'::jsonb) FROM (SELECT state, count(*) AS n FROM g GROUP BY state) x),
       'stale', (SELECT count(*) FROM g WHERE g.stale),
       'splitBrain', (SELECT coalesce(jsonb_agg(y.name ORDER BY y.name), '[]'::jsonb) FROM (SELECT name FROM g WHERE state = 'SPLIT_BRAIN' ORDER BY name LIMIT 20) y),
       'sites', (SELECT coalesce(jsonb_agg(z ORDER BY z.site), '[]'::jsonb) FROM (
          SELECT s.name AS site, count(DISTINCT m."clusterId") AS clusters, count(*) AS members,
                 count(*) FILTER (WHERE o.status = 'ok') AS ok, count(*) FILTER (WHERE o.status = 'down') AS down,
                 count(*) FILTER (WHERE o.status IS NULL OR o.status NOT IN ('ok', 'down')) AS unknown,
                 count(*) FILTER (WHERE o."observedAt" IS NULL OR (now() AT TIME ZONE 'UTC') - o."observedAt" > $1::int * interval '1 millisecond') AS stale
            FROM "vakt"."ClusterMember" m JOIN "vakt"."Site" s ON s.id = m."siteId" LEFT JOIN "vakt"."NodeObservation" o ON o."memberId" = m.id
           GROUP BY s.name) z)
     )::text AS summary`,
    staleAfterMs(),
  );
  return JSON.parse(row.summary) as TFleetSummary;
}

/** GET /api/v1/clusters/{name} and the cluster page: the stored view plus its latest events (and chart history). */
export async function readCluster(name: string, opts: { historyMinutes?: number; eventLimit?: number } = {}): Promise<TClusterView> {
  const rows = await clusterRows(name);
  if (!rows.length) throw notFound(`cluster ${name}`);
  const [view] = await served(rows);
  view.events = await clusterEvents(rows[0].id, opts.eventLimit);
  if (opts.historyMinutes) view.history = await getClusterHistory(name, { sinceMinutes: opts.historyMinutes });
  return view;
}

type TSafetyReadRow = {
  id: string; name: string; kind: string; epoch: number; computedAt: Date | null; report: TSafetyReport | null; dbNow: Date; members: Array<{ id: string; name: string; agentUrl: string }>;
  maintenanceReason: string | null; maintenanceUntil: Date | null; maintenanceSince: Date | null; maintenanceBy: string | null; hasOpenRequests: boolean;
};

/** GET /api/v1/clusters/{name}/safety and the safety panel: the stored engine report, served with open requests and rejoin commands. */
export async function readClusterSafety(name: string): Promise<TClusterSafety> {
  const [row] = await db.$queryRawUnsafe<TSafetyReadRow[]>(
    `SELECT c.id, c.name, c.kind::text AS kind, c.epoch, r."computedAt", r."report", now() AS "dbNow",
            (SELECT coalesce(jsonb_agg(jsonb_build_object('id', m.id, 'name', m.name, 'agentUrl', m."agentUrl") ORDER BY m.name), '[]'::jsonb)
               FROM "vakt"."ClusterMember" m WHERE m."clusterId" = c.id) AS members,
            c."maintenanceReason", c."maintenanceUntil", c."maintenanceSince", c."maintenanceBy",
            EXISTS (SELECT 1 FROM "vakt"."PromotionRequest" p WHERE p."clusterId" = c.id AND p.status::text = ANY($2::text[])) AS "hasOpenRequests"
       FROM "vakt"."Cluster" c LEFT JOIN "vakt"."ClusterReadModel" r ON r."clusterId" = c.id WHERE c.name = $1`,
    name,
    [...OPEN_STATUSES],
  );
  if (!row) throw notFound(`cluster ${name}`);
  const members = row.members;
  const f = freshness(row.report ? row.computedAt : null, row.dbNow, staleAfterMs());
  const report: TSafetyReport = row.report ?? {
    cluster: row.name,
    state: 'UNKNOWN',
    epoch: row.epoch,
    evaluatedAt: row.dbNow.toISOString(),
    primary: null,
    alarms: [],
    candidates: [],
    fenceTarget: null,
    needsRebuild: [],
    needsRepoint: [],
  };
  const answer = await safetyAnswer({ id: row.id, name: row.name, kind: clusterKindFromDb(row.kind), members }, servedReport(report, f), { maintenance: row, hasOpenRequests: row.hasOpenRequests });
  return { ...answer, computedAt: f.computedAt, stale: f.stale };
}

type TContextReadRow = { contextId: string; computedAt: Date | null; findings: string | null; dbNow: Date };

/** The stored live findings of contexts (one query), each with its freshness. */
export const storedLiveFindings: TLiveSource = async (contexts) => {
  const rows = await db.$queryRawUnsafe<TContextReadRow[]>(
    `SELECT b.id AS "contextId", r."computedAt", r."findings"::text AS "findings", now() AS "dbNow"
       FROM "vakt"."BoundedContext" b LEFT JOIN "vakt"."ContextReadModel" r ON r."contextId" = b.id
      WHERE b.id = ANY($1::text[])`,
    contexts.map((c) => c.id),
  );
  return new Map(
    rows.map((r) => {
      const f = freshness(r.computedAt, r.dbNow, staleAfterMs());
      const stored = r.findings ? (JSON.parse(r.findings) as TFinding[]) : [];
      return [r.contextId, { findings: servedLiveFindings(stored, f), computedAt: f.computedAt, stale: f.stale }];
    }),
  );
};

type TContextListRow = { total: number; id: string | null; slug: string; name: string; team: string; currentVersion: number; versions: number; computedAt: Date | null; item: string | null; dbNow: Date; catAt: Date | null; catN: number };

/**
 * A page of contexts from their stored items (one query, one row per item; the rows' slug, name and team as
 * they are now). When any item on the page is not about the context as it is now (a declaration, a proposal
 * or a class changed since the worker stored it, or never stored), the page is computed as before
 * (lib/registry/contexts.ts listContextPage: lint now, stored live findings) until the worker catches up.
 */
async function contextListPage(page: { limit: number | null; after?: string | null; team?: string | null; like?: string | null }): Promise<{ items: TContextSummary[]; total: number }> {
  const rows = await db.$queryRawUnsafe<TContextListRow[]>(
    `WITH cat AS (SELECT max("updatedAt") AS at, count(*)::int AS n FROM "vakt"."RecoveryClass"),
     b AS (
       SELECT b.id, b.slug, b.name, b."currentVersion", t.name AS team FROM "vakt"."BoundedContext" b JOIN "vakt"."Team" t ON t.id = b."teamId"
        WHERE ($1::text IS NULL OR t.name = $1::text) AND ($2::text IS NULL OR b.slug ILIKE $2::text OR b.name ILIKE $2::text)
     ), q AS (SELECT b.* FROM b WHERE $3::text IS NULL OR b.slug > $3::text ORDER BY b.slug LIMIT $4::int)
     SELECT (SELECT count(*)::int FROM b) AS total, q.id, q.slug, q.name, q.team, q."currentVersion",
            (SELECT coalesce(max(d.version), 0)::int FROM "vakt"."Declaration" d WHERE d."contextId" = q.id) AS versions,
            r."computedAt", r.item::text AS item, now() AS "dbNow", cat.at AS "catAt", cat.n AS "catN"
       FROM (SELECT 1) one LEFT JOIN q ON true LEFT JOIN "vakt"."ContextReadModel" r ON r."contextId" = q.id CROSS JOIN cat ORDER BY q.slug`,
    page.team ?? null,
    page.like ?? null,
    page.after ?? null,
    page.limit,
  );
  const found = rows.filter((r) => r.id !== null);
  const items: TContextSummary[] = [];
  for (const r of found) {
    const stored = r.item ? (JSON.parse(r.item) as TStoredContextItem) : null;
    if (!stored || !storedIsCurrent(stored, { version: r.currentVersion, versions: r.versions, catalog: catalogKey(r.catAt, r.catN) })) {
      return listContextPage({ live: storedLiveFindings, page: page.limit === null ? undefined : { ...page, limit: page.limit } });
    }
    items.push(servedContextItem(r, stored, freshness(r.computedAt, r.dbNow, staleAfterMs())));
  }
  return { items, total: rows[0]?.total ?? 0 };
}

/** The contexts page: every context, from the stored items (see contextListPage). */
export async function readContexts(): Promise<TContextSummary[]> {
  return (await contextListPage({ limit: null })).items;
}

/** GET /api/v1/contexts: one page (docs/api.md "Lists"), from the stored items (see contextListPage). */
export async function readContextList(q: Partial<TContextListQuery> = {}): Promise<TPage<TContextSummary>> {
  const limit = q.limit ?? LIST_DEFAULT_LIMIT;
  const { items, total } = await contextListPage({ limit: limit + 1, after: q.cursor?.after, team: q.team, like: q.q ? likePattern(q.q) : null });
  const page = items.slice(0, limit);
  return { items: page, next: items.length > limit ? encodeCursor({ sort: 'name', after: page[page.length - 1].slug }) : null, total };
}

type TContextDetailRow = {
  id: string; slug: string; name: string; team: string; dataLocation: string | null; currentVersion: number; versions: number;
  curVersion: number | null; spec: string | null; authorLabel: string | null; reason: string | null; createdAt: Date | null;
  computedAt: Date | null; detail: string | null; findings: string | null; dbNow: Date; catAt: Date | null; catN: number;
};

/**
 * GET /api/v1/contexts/{slug} and the context page: one query for the context, its current declaration and
 * the stored history, lint and live findings; computed as before (getContext) while the stored detail is not
 * about the context as it is now (see contextListPage).
 */
export async function readContext(slug: string): Promise<TContextDetail> {
  const [r] = await db.$queryRawUnsafe<TContextDetailRow[]>(
    `SELECT b.id, b.slug, b.name, b."dataLocation", b."currentVersion", t.name AS team,
            (SELECT coalesce(max(x.version), 0)::int FROM "vakt"."Declaration" x WHERE x."contextId" = b.id) AS versions,
            d.version AS "curVersion", d.spec::text AS spec, d."authorLabel", d.reason, d."createdAt",
            r."computedAt", r.detail::text AS detail, r.findings::text AS findings, now() AS "dbNow",
            (SELECT max("updatedAt") FROM "vakt"."RecoveryClass") AS "catAt", (SELECT count(*)::int FROM "vakt"."RecoveryClass") AS "catN"
       FROM "vakt"."BoundedContext" b JOIN "vakt"."Team" t ON t.id = b."teamId"
       LEFT JOIN "vakt"."Declaration" d ON d."contextId" = b.id AND d.version = b."currentVersion"
       LEFT JOIN "vakt"."ContextReadModel" r ON r."contextId" = b.id
      WHERE b.slug = $1`,
    slug,
  );
  if (!r) throw notFound(`context ${slug}`);
  const stored = r.detail ? (JSON.parse(r.detail) as TStoredContextDetail | null) : null;
  if (!stored || !storedIsCurrent(stored, { version: r.currentVersion, versions: r.versions, catalog: catalogKey(r.catAt, r.catN) })) return getContext(slug, { live: storedLiveFindings });
  const live = r.findings ? (JSON.parse(r.findings) as TFinding[]) : [];
  return {
    slug: r.slug,
    name: r.name,
    team: r.team,
    dataLocation: r.dataLocation,
    currentVersion: r.currentVersion,
    current: r.curVersion !== null && r.spec !== null ? { version: r.curVersion, spec: JSON.parse(r.spec) as TDeclarationSpec, authorLabel: r.authorLabel!, reason: r.reason, createdAt: r.createdAt! } : null,
    ...servedContextDetail(stored, live, freshness(r.computedAt, r.dbNow, staleAfterMs())),
  };
}

/** GET /api/v1/contexts/{slug}/findings. */
export async function readContextFindings(slug: string): Promise<TFinding[]> {
  return getContextFindings(slug, undefined, async (id) => (await storedLiveFindings([{ id, slug }])).get(id)?.findings ?? []);
}
