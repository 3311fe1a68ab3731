import { db } from '@/lib/base/db';
import { notFound } from '@/lib/base/errors';
import { sortFindings, type TFinding } from '@/lib/findings/types';
import { getClassCatalog } from './classes';
import type { TDeclarationSpec } from './declaration-schema';
import { diffSpecs, type TSpecChange } from './diff-declarations';
import { lintDeclarationVersion, lintStoredSpec } from '../findings/get-context-findings';
import { loadLiveFindings } from '../findings/load-live-findings';

export type TFindingCounts = { error: number; warning: number; info: number };
export type TContextSummary = {
  slug: string;
  name: string;
  team: string;
  currentVersion: number;
  rpoClass: string | null;
  rtoClass: string | null;
  failover: string | null;
  crossSite: string | null;
  findingCounts: TFindingCounts;
  /** read model (lib/readmodel): when the worker computed the live findings; null = not computed yet */
  computedAt?: string | null;
  /** read model: older than the stale limit (a READ_MODEL_STALE error finding is counted) */
  stale?: boolean;
};

/**
 * Where live compliance findings come from, per context: computed now (the default: writes, the CLI,
 * tests) or the read model's stored ones (lib/readmodel: what the API and pages serve), with their freshness.
 */
export type TLiveSource = (contexts: Array<{ id: string; slug: string }>) => Promise<Map<string, { findings: TFinding[]; computedAt?: string | null; stale?: boolean }>>;

/** Live findings computed now, context by context. */
export const liveNow: TLiveSource = async (contexts) => new Map(await Promise.all(contexts.map(async (c) => [c.id, { findings: await loadLiveFindings(c.slug) }] as const)));

const freshnessOf = (l: { computedAt?: string | null; stale?: boolean } | undefined) => (l && l.stale !== undefined ? { computedAt: l.computedAt ?? null, stale: l.stale } : {});

export const countFindings = (f: TFinding[]): TFindingCounts => ({
  error: f.filter((x) => x.severity === 'error').length,
  warning: f.filter((x) => x.severity === 'warning').length,
  info: f.filter((x) => x.severity === 'info').length,
});

export const specOf = (v: unknown) => (v && typeof v === 'object' ? (v as Partial<TDeclarationSpec>) : null);

/** A bounded part of the context list (GET /api/v1/contexts): by slug after `after`, at most `limit`, filtered by team and a text in slug or name. */
type TContextPageQuery = { limit: number; after?: string | null; team?: string | null; like?: string | null };

export async function listContexts(opts: { live?: TLiveSource } = {}): Promise<TContextSummary[]> {
  return (await listContextPage(opts)).items;
}

/** Contexts in slug order (all of them without `page`) and how many match the page's filters. */
export async function listContextPage(opts: { live?: TLiveSource; page?: TContextPageQuery } = {}): Promise<{ items: TContextSummary[]; total: number }> {
  const p = opts.page;
  // one query for the contexts, their teams and current declarations (never one per context)
  const [found, catalog] = await Promise.all([
    db.$queryRaw<Array<{ total: number; id: string | null; slug: string; name: string; currentVersion: number; team: string; declarationId: string | null; spec: unknown }>>`
      WITH b AS (
        SELECT b.id, b.slug, b.name, b."currentVersion", t.name AS team FROM "vakt"."BoundedContext" b JOIN "vakt"."Team" t ON t.id = b."teamId"
         WHERE (${p?.team ?? null}::text IS NULL OR t.name = ${p?.team ?? null}::text)
           AND (${p?.like ?? null}::text IS NULL OR b.slug ILIKE ${p?.like ?? null}::text OR b.name ILIKE ${p?.like ?? null}::text)
      ), q AS (
        SELECT b.*, d.id AS "declarationId", d.spec FROM b
          LEFT JOIN "vakt"."Declaration" d ON d."contextId" = b.id AND d.version = b."currentVersion"
         WHERE ${p?.after ?? null}::text IS NULL OR b.slug > ${p?.after ?? null}::text
         ORDER BY b.slug LIMIT ${p?.limit ?? null}::int
      )
      SELECT (SELECT count(*)::int FROM b) AS total, q.* FROM (SELECT 1) one LEFT JOIN q ON true ORDER BY q.slug`,
    getClassCatalog(),
  ]);
  const rows = found.filter((r) => r.id !== null) as Array<(typeof found)[number] & { id: string }>;
  const live = await (opts.live ?? liveNow)(rows.map((r) => ({ id: r.id, slug: r.slug })));
  const items = rows.map((r) => {
    const spec = r.spec ?? null;
    const s = specOf(spec);
    const findings = [...lintDeclarationVersion(r.declarationId, spec, catalog), ...(live.get(r.id)?.findings ?? [])];
    return {
      slug: r.slug,
      name: r.name,
      team: r.team,
      currentVersion: r.currentVersion,
      rpoClass: s?.rpoClass ?? null,
      rtoClass: s?.rtoClass ?? null,
      failover: s?.failover ?? null,
      crossSite: s?.crossSite ?? null,
      findingCounts: countFindings(findings),
      ...freshnessOf(live.get(r.id)),
    };
  });
  return { items, total: found[0]?.total ?? 0 };
}

export type TContextDetail = {
  slug: string;
  name: string;
  team: string;
  dataLocation: string | null;
  currentVersion: number;
  current: { version: number; spec: TDeclarationSpec; authorLabel: string; reason: string | null; createdAt: Date } | null;
  history: { version: number; authorLabel: string; reason: string | null; createdAt: Date; changes: number }[];
  findings: TFinding[];
  /** read model: see TContextSummary */
  computedAt?: string | null;
  stale?: boolean;
};

/** A context's version history, newest first, each with how many fields it changed from the one before (version 1: from nothing). */
export function versionHistory(declarations: Array<{ version: number; authorLabel: string; reason: string | null; createdAt: Date; spec: unknown }>): TContextDetail['history'] {
  const sorted = [...declarations].sort((a, b) => a.version - b.version);
  return sorted
    .map((d, i) => ({
      version: d.version,
      authorLabel: d.authorLabel,
      reason: d.reason,
      createdAt: d.createdAt,
      changes: diffSpecs(i > 0 ? sorted[i - 1].spec : {}, d.spec).length,
    }))
    .reverse();
}

export async function getContext(slug: string, opts: { live?: TLiveSource } = {}): Promise<TContextDetail> {
  const ctx = await db.boundedContext.findUnique({
    where: { slug },
    include: { team: true, declarations: { orderBy: { version: 'asc' } } },
  });
  if (!ctx) throw notFound(`context ${slug}`);
  const cur = ctx.declarations.find((d) => d.version === ctx.currentVersion) ?? null;
  const live = (await (opts.live ?? liveNow)([{ id: ctx.id, slug: ctx.slug }])).get(ctx.id);
  const findings = sortFindings([...lintStoredSpec(cur?.spec ?? null, await getClassCatalog()), ...(live?.findings ?? [])]);
  const history = versionHistory(ctx.declarations);
  return {
    slug: ctx.slug,
    name: ctx.name,
    team: ctx.team.name,
    dataLocation: ctx.dataLocation,
    currentVersion: ctx.currentVersion,
    current: cur ? { version: cur.version, spec: cur.spec as TDeclarationSpec, authorLabel: cur.authorLabel, reason: cur.reason, createdAt: cur.createdAt } : null,
    history,
    findings,
    ...freshnessOf(live),
  };
}

export type TDeclarationVersion = {
  version: number;
  spec: TDeclarationSpec;
  authorLabel: string;
  reason: string | null;
  createdAt: Date;
  /** changes from the previous version (for version 1: every field, from nothing) */
  diff: TSpecChange[];
  /** lifecycle: proposed | accepted | rejected | superseded, and who decided why */
  status: string;
  decidedByLabel: string | null;
  decisionReason: string | null;
};

/** Every version of a context's declaration, newest first, each with its diff to the previous one. */
export async function getDeclarationHistory(slug: string): Promise<{ slug: string; currentVersion: number; versions: TDeclarationVersion[] }> {
  const ctx = await db.boundedContext.findUnique({ where: { slug }, include: { declarations: { orderBy: { version: 'asc' } } } });
  if (!ctx) throw notFound(`context ${slug}`);
  const versions = ctx.declarations.map((d, i) => ({
    version: d.version,
    spec: d.spec as TDeclarationSpec,
    authorLabel: d.authorLabel,
    reason: d.reason,
    createdAt: d.createdAt,
    diff: diffSpecs(i > 0 ? ctx.declarations[i - 1].spec : {}, d.spec),
    status: d.status,
    decidedByLabel: d.decidedByLabel,
    decisionReason: d.decisionReason,
  }));
  return { slug: ctx.slug, currentVersion: ctx.currentVersion, versions: versions.reverse() };
}
