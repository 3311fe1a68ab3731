// The ONE loader of what binds a context (docs/api.md "Declaration lifecycle"): verdicts
// (lib/safety/load-safety-input.ts), live findings and readiness (lib/findings/load-live-findings.ts)
// all read a context's declaration through here. Two queries for any number of contexts.
import type { TDbClient, TTransaction } from '@/lib/base/db';
import { ZDeclarationSpec, type TDeclarationSpec } from './declaration-schema';
import { bindingSpec, type TBinding, type TBoundOf } from './lifecycle-binding';

export type TContextBinding = TBinding & { slug: string; acceptedVersion: number; pendingVersion: number | null };

const parseSpec = (spec: unknown): TDeclarationSpec | null => {
  const parsed = ZDeclarationSpec.safeParse(spec);
  return parsed.success ? parsed.data : null;
};

/**
 * The binding spec of each context (keyed by id): the accepted version and the pending proposal
 * combined by bindingSpec. A stored spec that no longer parses counts as absent (the strictest
 * assumptions then apply downstream).
 */
export async function loadBindings(client: TDbClient | TTransaction, contextIds: string[], boundOf: TBoundOf): Promise<Map<string, TContextBinding>> {
  const out = new Map<string, TContextBinding>();
  if (!contextIds.length) return out;
  const ctxs = await client.boundedContext.findMany({ where: { id: { in: [...new Set(contextIds)] } }, select: { id: true, slug: true, currentVersion: true, pendingVersion: true } });
  const wanted = ctxs.flatMap((c) => [c.currentVersion > 0 ? { contextId: c.id, version: c.currentVersion } : null, c.pendingVersion ? { contextId: c.id, version: c.pendingVersion } : null]).filter((w) => w !== null);
  const decls = wanted.length ? await client.declaration.findMany({ where: { OR: wanted }, select: { contextId: true, version: true, spec: true } }) : [];
  const specAt = (contextId: string, version: number | null) => (version ? parseSpec(decls.find((d) => d.contextId === contextId && d.version === version)?.spec ?? null) : null);
  for (const c of ctxs) {
    out.set(c.id, { slug: c.slug, acceptedVersion: c.currentVersion, pendingVersion: c.pendingVersion, ...bindingSpec(specAt(c.id, c.currentVersion), specAt(c.id, c.pendingVersion), boundOf) });
  }
  return out;
}

/** A class catalog's rows -> the bound lookup bindingSpec compares classes with. */
export const boundsOf =
  (classes: ReadonlyArray<{ kind: string; name: string; boundSeconds: number | null }>): TBoundOf =>
  (kind, name) =>
    classes.find((c) => c.kind === kind && c.name === name)?.boundSeconds ?? null;
