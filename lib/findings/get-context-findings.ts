import { db } from '@/lib/base/db';
import { notFound } from '@/lib/base/errors';
import { sortFindings, type TFinding } from '@/lib/findings/types';
import type { TClassCatalog } from '../registry/class-catalog';
import { getClassCatalog } from '../registry/classes';
import { ZDeclarationSpec } from '../registry/declaration-schema';
import { lintDeclaration } from './lint-declaration';
import { loadLiveFindings } from './load-live-findings';

// The findings of a context (docs/findings.md): the static lint of its current declaration plus live
// compliance (loadLiveFindings: registry and latest observations, evaluated by live-compliance.ts).

/** Lint of a stored spec (a spec that no longer parses — e.g. after a schema change — is itself a finding). */
export function lintStoredSpec(spec: unknown, catalog: TClassCatalog): TFinding[] {
  if (spec === null || spec === undefined) {
    return [{ code: 'DECLARATION_MISSING', severity: 'warning', message: 'This context has no recovery declaration yet.', source: 'lint' }];
  }
  const parsed = ZDeclarationSpec.safeParse(spec);
  if (!parsed.success) {
    return [{ code: 'DECLARATION_INVALID', severity: 'error', message: `The stored declaration no longer matches the schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}. Save a corrected version.`, source: 'lint' }];
  }
  return lintDeclaration(parsed.data, catalog);
}

const lintCache = new Map<string, TFinding[]>();
const catalogKey = (c: TClassCatalog) => JSON.stringify([[...c.rpo], [...c.rto]]);

/**
 * Lint of a stored declaration version, remembered per (declaration id, class catalog): versions are
 * never overwritten, so the same pair always lints the same (lists of many contexts lint each once).
 */
export function lintDeclarationVersion(declarationId: string | null, spec: unknown, catalog: TClassCatalog): TFinding[] {
  if (!declarationId) return lintStoredSpec(spec, catalog);
  const key = `${declarationId}|${catalogKey(catalog)}`;
  let found = lintCache.get(key);
  if (!found) {
    if (lintCache.size >= 10_000) lintCache.clear();
    found = lintStoredSpec(spec, catalog);
    lintCache.set(key, found);
  }
  return found;
}

/**
 * Static lint of the current declaration plus live compliance findings (computed now, or given by
 * `live`: the read model's stored ones). 404 when the context does not exist.
 */
export async function getContextFindings(slug: string, catalog?: TClassCatalog, live?: (contextId: string) => Promise<TFinding[]>): Promise<TFinding[]> {
  const ctx = await db.boundedContext.findUnique({ where: { slug }, select: { id: true, currentVersion: true } });
  if (!ctx) throw notFound(`context ${slug}`);
  // the accepted version (a pending proposal's lint is shown at review: lib/registry/lifecycle-read.ts)
  const current = ctx.currentVersion > 0 ? await db.declaration.findUnique({ where: { contextId_version: { contextId: ctx.id, version: ctx.currentVersion } }, select: { spec: true } }) : null;
  const lint = lintStoredSpec(current?.spec ?? null, catalog ?? (await getClassCatalog()));
  return sortFindings([...lint, ...(await (live ? live(ctx.id) : loadLiveFindings(slug)))]);
}
