// What the worker computes for the read model, in batches with a fixed number of queries whatever
// the batch size: per cluster the engine's report over the stored observations (the same loader the
// executor uses, lib/safety/load-safety-input.ts), its state and the member view; per context the
// live compliance findings. Pure decisions stay in lib/safety/engine and lib/findings.
import { db } from '@/lib/base/db';
import { logger } from '@/lib/base/log';
import { evaluateCluster, type TSafetyReport } from '@/lib/safety/engine';
import { loadSafetyInputs } from '@/lib/safety/load-safety-input';
import { evaluateLiveCompliance } from '@/lib/findings/live-compliance';
import { gatherLiveInputsBatch } from '@/lib/findings/load-live-findings';
import { clusterPolicy } from '@/lib/findings/cluster-policy';
import type { TFinding } from '@/lib/findings/types';
import { clusterViewInclude, shapeClusterView, type TClusterView } from '@/lib/registry/read-clusters';
import { computeReadinessBatch } from '@/lib/readiness/load-readiness';
import type { TReadiness } from '@/lib/readiness/readiness';
import { lintDeclarationVersion } from '@/lib/findings/get-context-findings';
import { getClassCatalog } from '@/lib/registry/classes';
import { versionHistory } from '@/lib/registry/contexts';
import { clusterDigest, findingsDigest } from './freshness';
import { storedClusterItem, type TStoredClusterItem } from './list';
import { catalogKey, storedContextDetail, storedContextItem, type TStoredContextDetail, type TStoredContextItem } from './context-item';

/** What a computation was made from (stored beside it, shown to no one but operators reading the table). */
export type TClusterInputs = {
  maxObservedAt: string | null;
  epoch: number;
  members: number;
  contexts: Array<{ slug: string; version: number }>;
  classesUpdatedAt: string | null;
  promotionSteps: number;
};
export type TComputedCluster = { id: string; name: string; computedAt: Date; inputs: TClusterInputs; report: TSafetyReport; view: TClusterView; item: TStoredClusterItem; digest: string };
export type TComputedContext = { id: string; slug: string; computedAt: Date; inputs: { version: number; clusters: string[]; maxObservedAt: string | null; classesUpdatedAt: string | null }; findings: TFinding[]; digest: string; readiness: TReadiness | null; item: TStoredContextItem; detail: TStoredContextDetail };

const maxIso = (dates: Array<Date | null | undefined>) => {
  const ms = dates.filter((d): d is Date => !!d).map((d) => d.getTime());
  return ms.length ? new Date(Math.max(...ms)).toISOString() : null;
};

async function classesUpdatedAt(): Promise<string | null> {
  const [row] = await db.$queryRawUnsafe<{ at: Date | null }[]>(`SELECT max("updatedAt") AS at FROM "vakt"."RecoveryClass"`);
  return row?.at ? row.at.toISOString() : null;
}

/** Evaluates the clusters `ids` at database time `now` (clusters that no longer exist are left out). */
export async function computeClusters(ids: string[], now: Date): Promise<TComputedCluster[]> {
  if (!ids.length) return [];
  const rows = await db.cluster.findMany({ where: { id: { in: ids } }, include: clusterViewInclude, orderBy: { name: 'asc' } });
  if (!rows.length) return [];
  const inputs = await loadSafetyInputs({ rows, now });
  const versions = await db.clusterContext.findMany({ where: { clusterId: { in: rows.map((r) => r.id) } }, select: { clusterId: true, context: { select: { slug: true, currentVersion: true } } } });
  const steps = await db.$queryRawUnsafe<{ clusterId: string; n: number }[]>(
    `SELECT p."clusterId", count(s.id)::int AS n FROM "vakt"."PromotionRequest" p JOIN "vakt"."PromotionStep" s ON s."promotionId" = p.id
      WHERE p."clusterId" = ANY($1::text[]) GROUP BY p."clusterId"`,
    rows.map((r) => r.id),
  );
  const classesAt = await classesUpdatedAt();
  return rows.flatMap((row, i): TComputedCluster[] => {
    const report = evaluated(row.name, () => evaluateCluster(inputs[i].input));
    if (!report) return [];
    const view = { ...shapeClusterView(row, report.state, [], now.getTime()), policy: clusterPolicy(inputs[i].input.contexts) };
    return [{
      id: row.id,
      name: row.name,
      computedAt: now,
      inputs: {
        maxObservedAt: maxIso(row.members.map((m) => m.observation?.observedAt)),
        epoch: row.epoch,
        members: row.members.length,
        contexts: versions.filter((v) => v.clusterId === row.id).map((v) => ({ slug: v.context.slug, version: v.context.currentVersion })).sort((a, b) => a.slug.localeCompare(b.slug)),
        classesUpdatedAt: classesAt,
        promotionSteps: steps.find((s) => s.clusterId === row.id)?.n ?? 0,
      },
      report,
      view,
      item: storedClusterItem(view),
      digest: clusterDigest(report, view.members, view.paused),
    }];
  });
}

/**
 * One row's evaluation; a row that throws is left out (logged): its stored computation only ages, so
 * it reads stale (UNKNOWN), never healthy, and the rest of the batch is stored.
 */
function evaluated<T>(what: string, f: () => T): T | null {
  try {
    return f();
  } catch (e) {
    logger.error({ row: what, err: (e as Error).message }, 'read model: evaluation failed; the stored one ages into stale');
    return null;
  }
}

/** Live compliance findings of the contexts `ids` at database time `now`. */
export async function computeContexts(ids: string[], now: Date): Promise<TComputedContext[]> {
  if (!ids.length) return [];
  // the catalog key before the catalog: a class change in between reads as a mismatch (computed at read), never the reverse
  const [cat] = await db.$queryRawUnsafe<{ at: Date | null; n: number }[]>(`SELECT max("updatedAt") AS at, count(*)::int AS n FROM "vakt"."RecoveryClass"`);
  const catalog = await getClassCatalog();
  const contexts = await db.boundedContext.findMany({
    where: { id: { in: ids } },
    select: { id: true, slug: true, currentVersion: true, declarations: { select: { id: true, version: true, authorLabel: true, reason: true, createdAt: true, spec: true } } },
  });
  if (!contexts.length) return [];
  const live = await gatherLiveInputsBatch({ ids: contexts.map((c) => c.id) }, now);
  const readiness = await computeReadinessBatch(live, now);
  const classesAt = cat?.at ? cat.at.toISOString() : null;
  return contexts.flatMap((c): TComputedContext[] => {
    const input = live.get(c.id) ?? null;
    const findings = evaluated(c.slug, () => (input ? evaluateLiveCompliance(input) : []));
    if (!findings) return [];
    const cur = c.declarations.find((d) => d.version === c.currentVersion) ?? null;
    const lint = lintDeclarationVersion(cur?.id ?? null, cur?.spec ?? null, catalog);
    const basis = { version: c.currentVersion, versions: Math.max(0, ...c.declarations.map((d) => d.version)), catalog: catalogKey(cat?.at ?? null, cat?.n ?? 0) };
    return [{
      id: c.id,
      slug: c.slug,
      computedAt: now,
      inputs: {
        version: c.currentVersion,
        clusters: input?.clusters.map((x) => x.name) ?? [],
        maxObservedAt: maxIso(input?.clusters.flatMap((x) => x.members.map((m) => (m.observedAt ? new Date(m.observedAt) : null))) ?? []),
        classesUpdatedAt: classesAt,
      },
      findings,
      digest: findingsDigest(findings),
      readiness: readiness.get(c.id) ?? null,
      item: storedContextItem(basis, cur?.spec ?? null, lint, findings),
      detail: storedContextDetail(basis, versionHistory(c.declarations), lint),
    }];
  });
}
