// The overview at `/` and GET /api/v1/overview: what needs a person now, then fleet health by site.
// Stored results only, in a fixed number of queries whatever the fleet size (no per-cluster reads):
// the served cluster list (one query, stale reads UNKNOWN), pending promotion and rejoin requests,
// firing alerts, each cluster's latest finished drill, the contexts' stored live findings (fresh ones
// only: a stale computation is unknown, not a finding) and pending declaration proposals. The pure
// ./attention.ts orders them.
import { db } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { attentionList, type TAttentionInput, type TAttentionItem } from './attention';
import type { TClusterListItem } from './list';
import { readClusters } from './read';

/** At most this many clusters in the fleet-health part (worst first); the fleet page pages through all. */
export const OVERVIEW_CLUSTERS = 200;
const LIMIT = 200;

export type TOverview = {
  attention: TAttentionItem[];
  /** clusters, worst first (at most OVERVIEW_CLUSTERS), with their served state */
  clusters: TClusterListItem[];
  /** every registered cluster (the list may show fewer) */
  totalClusters: number;
  /** Vakt's database time the answer was read at */
  at: string;
};

type TDrillRow = { id: string; cluster: string; status: string; error: string | null; finishedAt: Date | null };
type TFindingRow = { context: string; code: string; message: string };

export async function readOverview(): Promise<TOverview> {
  const [page, promotions, rejoins, alerts, drills, findings, proposals, [{ now }]] = await Promise.all([
    readClusters({ sort: 'worst', limit: OVERVIEW_CLUSTERS }),
    db.promotionRequest.findMany({ where: { status: 'PENDING' }, include: { cluster: { select: { name: true } }, _count: { select: { approvals: true } } }, orderBy: { createdAt: 'asc' }, take: LIMIT }),
    db.rejoinRequest.findMany({ where: { status: 'PENDING' }, include: { cluster: { select: { name: true } } }, orderBy: { createdAt: 'asc' }, take: LIMIT }),
    db.alert.findMany({ where: { state: 'firing' }, orderBy: { firedAt: 'asc' }, take: LIMIT }),
    db.$queryRawUnsafe<TDrillRow[]>(
      `SELECT * FROM (SELECT DISTINCT ON (d."clusterId") d.id, c.name AS cluster, d.status::text AS status, d.error, d."finishedAt"
                        FROM "vakt"."RestoreDrill" d JOIN "vakt"."Cluster" c ON c.id = d."clusterId"
                       WHERE d."finishedAt" IS NOT NULL ORDER BY d."clusterId", d."finishedAt" DESC) x
        WHERE x.status IN ('FAILED', 'TIMED_OUT') ORDER BY x."finishedAt" LIMIT ${LIMIT}`,
    ),
    db.$queryRawUnsafe<TFindingRow[]>(
      `SELECT b.slug AS context, f->>'code' AS code, f->>'message' AS message
         FROM "vakt"."ContextReadModel" r JOIN "vakt"."BoundedContext" b ON b.id = r."contextId", jsonb_array_elements(r.findings) f
        WHERE f->>'code' IN ('DRILL_OVERDUE', 'BACKUPS_UNTRUSTED')
          AND (now() AT TIME ZONE 'UTC') - r."computedAt" <= $1::int * interval '1 millisecond'
        ORDER BY b.slug LIMIT ${LIMIT}`,
      env().VAKT_STALE_AFTER_MS,
    ),
    db.boundedContext.findMany({ where: { pendingVersion: { not: null } }, select: { slug: true, pendingVersion: true, declarations: { where: { status: 'proposed' }, select: { version: true, authorLabel: true, createdAt: true } } }, orderBy: { slug: 'asc' }, take: LIMIT }),
    db.$queryRaw<{ now: Date }[]>`SELECT now() AS now`,
  ]);
  const input: TAttentionInput = {
    clusters: page.items,
    promotions: promotions.map((p) => ({ id: p.id, cluster: p.cluster.name, candidate: p.candidate, kind: p.kind, approvals: p._count.approvals, approvalsRequired: p.approvalsRequired, createdAt: p.createdAt.toISOString() })),
    rejoins: rejoins.map((r) => ({ id: r.id, cluster: r.cluster.name, member: r.member, createdAt: r.createdAt.toISOString() })),
    alerts: alerts.map((a) => ({ id: a.id, rule: a.rule, severity: a.severity, message: a.message, cluster: a.cluster, context: a.context, firedAt: a.firedAt.toISOString() })),
    failedDrills: drills.map((d) => ({ ...d, finishedAt: d.finishedAt?.toISOString() ?? null })),
    findings,
    proposals: proposals.map((c) => {
      const d = c.declarations.find((x) => x.version === c.pendingVersion);
      return { context: c.slug, version: c.pendingVersion!, author: d?.authorLabel ?? 'unknown', createdAt: (d?.createdAt ?? now).toISOString() };
    }),
  };
  return { attention: attentionList(input), clusters: page.items, totalClusters: page.total, at: now.toISOString() };
}
