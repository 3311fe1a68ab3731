import { db } from '@/lib/base/db';
import { notFound } from '@/lib/base/errors';
import { sortFindings, type TFinding } from '@/lib/findings/types';
import { getClassCatalog } from '../registry/classes';
import { ZDeclarationSpec } from '../registry/declaration-schema';
import { lintDeclaration, type TClassCatalog } from './lint-declaration';

// Live compliance findings come from telemetry (lib/findings/load-live-findings.ts). The registry does not
// import it statically (layering): when no provider was set, the default one is imported on first
// use, so every entry point (API routes, pages, CLI, tests) gets live findings without relying on
// instrumentation having run. setLiveFindingsProvider replaces it (null restores the default).
type TLiveFindingsProvider = (contextSlug: string) => Promise<TFinding[]>;
const g = globalThis as unknown as { vaktLiveFindings?: TLiveFindingsProvider };

export function setLiveFindingsProvider(fn: TLiveFindingsProvider | null): void {
  g.vaktLiveFindings = fn ?? undefined;
}

async function defaultLiveFindings(slug: string): Promise<TFinding[]> {
  const { liveFindingsForContext } = await import('@/lib/findings/load-live-findings');
  return liveFindingsForContext(slug);
}

export async function liveFindings(slug: string): Promise<TFinding[]> {
  return (g.vaktLiveFindings ?? defaultLiveFindings)(slug);
}

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

/** Static lint of the current declaration plus live compliance findings. 404 when the context does not exist. */
export async function getContextFindings(slug: string, catalog?: TClassCatalog): Promise<TFinding[]> {
  const ctx = await db.boundedContext.findUnique({
    where: { slug },
    include: { declarations: { orderBy: { version: 'desc' }, take: 1 } },
  });
  if (!ctx) throw notFound(`context ${slug}`);
  const current = ctx.declarations.find((d) => d.version === ctx.currentVersion) ?? null;
  const lint = lintStoredSpec(current?.spec ?? null, catalog ?? (await getClassCatalog()));
  return sortFindings([...lint, ...(await liveFindings(slug))]);
}
