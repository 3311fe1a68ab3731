// What routes and pages serve of readiness: the worker's stored computation (ContextReadModel.readiness,
// lib/readmodel/compute.ts), one query per answer, with the read model's staleness rule
// (lib/readmodel/freshness.ts): older than VAKT_STALE_AFTER_MS or never computed reads as unknown.
import { db } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { notFound } from '@/lib/base/errors';
import { freshness, type TFreshness } from '@/lib/readmodel/freshness';
import { servedReadiness, type TAnswerStatus, type TReadiness } from './readiness';

export type TContextReadiness = TFreshness & { slug: string; name: string; readiness: TReadiness | null };

const staleWhy = (f: TFreshness) =>
  f.computedAt === null ? 'Vakt has not evaluated this yet (is a worker running?)' : `Vakt's last evaluation is ${f.ageSeconds} s old (is a worker running?): unknown`;

type TRow = { slug: string; name: string; computedAt: Date | null; readiness: string | null; dbNow: Date };

function serve(r: TRow): TContextReadiness {
  const stored = r.readiness ? (JSON.parse(r.readiness) as TReadiness | null) : null;
  const f = freshness(stored ? r.computedAt : null, r.dbNow, env().VAKT_STALE_AFTER_MS);
  return { slug: r.slug, name: r.name, ...f, readiness: stored ? servedReadiness(stored, f.stale, staleWhy(f)) : null };
}

/** GET /api/v1/contexts/{slug}/readiness and the readiness page. */
export async function readContextReadiness(slug: string): Promise<TContextReadiness> {
  const [row] = await db.$queryRawUnsafe<TRow[]>(
    `SELECT b.slug, b.name, r."computedAt", r.readiness::text AS readiness, now() AS "dbNow"
       FROM "vakt"."BoundedContext" b LEFT JOIN "vakt"."ContextReadModel" r ON r."contextId" = b.id WHERE b.slug = $1`,
    slug,
  );
  if (!row) throw notFound(`context ${slug}`);
  return serve(row);
}

export type TFleetReadinessRow = { slug: string; name: string; stale: boolean; computedAt: string | null; rank: number; weakest: TReadiness['weakest'] | null; clusters: Array<{ cluster: string; trusted: boolean; statuses: Record<string, TAnswerStatus> }> };

export const FLEET_PAGE_SIZE = 50;

/** The fleet readiness view: contexts ranked by their weakest answer (weakest first; stale or never computed count as unknown), one page. */
export async function readFleetReadiness(opts: { page?: number } = {}): Promise<{ rows: TFleetReadinessRow[]; total: number; page: number; pageSize: number }> {
  const page = Math.max(1, Math.floor(opts.page ?? 1));
  const staleMs = env().VAKT_STALE_AFTER_MS;
  const rows = await db.$queryRawUnsafe<(TRow & { total: number })[]>(
    `SELECT b.slug, b.name, r."computedAt", r.readiness::text AS readiness, now() AS "dbNow", count(*) OVER ()::int AS total
       FROM "vakt"."BoundedContext" b LEFT JOIN "vakt"."ContextReadModel" r ON r."contextId" = b.id
      ORDER BY GREATEST(COALESCE((r.readiness->>'rank')::int, 2),
                        CASE WHEN r.readiness IS NULL OR r."computedAt" < now() - ($1::int * interval '1 millisecond') THEN 2 ELSE 0 END) DESC, b.slug
      LIMIT $2 OFFSET $3`,
    staleMs,
    FLEET_PAGE_SIZE,
    (page - 1) * FLEET_PAGE_SIZE,
  );
  const total = rows[0]?.total ?? (await db.boundedContext.count());
  return {
    total,
    page,
    pageSize: FLEET_PAGE_SIZE,
    rows: rows.map((row) => {
      const s = serve(row);
      const r = s.readiness;
      return {
        slug: s.slug,
        name: s.name,
        stale: s.stale,
        computedAt: s.computedAt,
        rank: r ? r.rank : 2,
        weakest: r?.weakest ?? null,
        clusters: (r?.clusters ?? []).map((c) => ({
          cluster: c.cluster,
          trusted: c.trust.trusted,
          statuses: { backup: c.backup.status, recency: c.recency.status, restore: c.restore.status, restoreTime: c.restoreTime.status, dataLoss: c.dataLoss.status, comparison: c.comparison.status, crossSite: c.crossSite.status },
        })),
      };
    }),
  };
}
