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
import { getContext, listContexts, type TContextDetail, type TContextSummary, type TLiveSource } from '@/lib/registry/contexts';
import { safetyAnswer, type TClusterSafety } from '@/lib/promotion/get-cluster-safety';
import { freshness, servedLiveFindings, servedReport, type TFreshness } from './freshness';

type TClusterReadRow = { id: string; name: string; kind: string; epoch: number; computedAt: Date | null; view: TClusterView | null; dbNow: Date };
// jsonb read as text and parsed here: cheaper than the driver's per-value conversion for large lists
type TClusterReadRaw = Omit<TClusterReadRow, 'view'> & { view: string | null };

const staleAfterMs = () => env().VAKT_STALE_AFTER_MS;

async function clusterRows(name?: string): Promise<TClusterReadRow[]> {
  const rows = await db.$queryRawUnsafe<TClusterReadRaw[]>(
    `SELECT c.id, c.name, c.kind::text AS kind, c.epoch, r."computedAt", r."view"::text AS "view", now() AS "dbNow"
       FROM "vakt"."Cluster" c LEFT JOIN "vakt"."ClusterReadModel" r ON r."clusterId" = c.id
      ${name === undefined ? '' : 'WHERE c.name = $1'}
      ORDER BY c.name`,
    ...(name === undefined ? [] : [name]),
  );
  return rows.map((r) => ({ ...r, view: r.view ? (JSON.parse(r.view) as TClusterView | null) : null }));
}

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

/** GET /api/v1/clusters and the fleet page: every cluster with members and state, from the read model. */
export async function readClusters(): Promise<TClusterView[]> {
  return served(await clusterRows());
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

type TSafetyReadRow = { id: string; name: string; kind: string; epoch: number; computedAt: Date | null; report: TSafetyReport | null; dbNow: Date };

/** GET /api/v1/clusters/{name}/safety and the safety panel: the stored engine report, served with open requests and rejoin commands. */
export async function readClusterSafety(name: string): Promise<TClusterSafety> {
  const [row] = await db.$queryRawUnsafe<TSafetyReadRow[]>(
    `SELECT c.id, c.name, c.kind::text AS kind, c.epoch, r."computedAt", r."report", now() AS "dbNow"
       FROM "vakt"."Cluster" c LEFT JOIN "vakt"."ClusterReadModel" r ON r."clusterId" = c.id WHERE c.name = $1`,
    name,
  );
  if (!row) throw notFound(`cluster ${name}`);
  const members = await db.clusterMember.findMany({ where: { clusterId: row.id }, select: { id: true, name: true, agentUrl: true }, orderBy: { name: 'asc' } });
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
  const answer = await safetyAnswer({ id: row.id, name: row.name, kind: clusterKindFromDb(row.kind), members }, servedReport(report, f));
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

/** GET /api/v1/contexts and the contexts page: lint (pure, at read time) plus the stored live findings. */
export async function readContexts(): Promise<TContextSummary[]> {
  return listContexts({ live: storedLiveFindings });
}

/** GET /api/v1/contexts/{slug} and the context page. */
export async function readContext(slug: string): Promise<TContextDetail> {
  return getContext(slug, { live: storedLiveFindings });
}

/** GET /api/v1/contexts/{slug}/findings. */
export async function readContextFindings(slug: string): Promise<TFinding[]> {
  return getContextFindings(slug, undefined, async (id) => (await storedLiveFindings([{ id, slug }])).get(id)?.findings ?? []);
}
