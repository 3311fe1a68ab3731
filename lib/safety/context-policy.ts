// The context policy the verdict engine judges a cluster by, from a context's stored declaration and
// the class catalog (docs/safety.md "Context policies"). Pure: lib/safety/load-safety-input.ts reads
// the rows and calls this.
import { ZDeclarationSpec } from '@/lib/registry/declaration-schema';
import type { TContextPolicy } from '@/lib/safety/engine';

export type TRecoveryClassRow = { kind: 'RPO' | 'RTO' | string; name: string; boundSeconds: number | null };

/** Numeric bound of a class (null = unknown class, or its bound is not chosen yet). */
export const classBound = (classes: TRecoveryClassRow[], kind: 'RPO' | 'RTO', name: string): number | null =>
  classes.find((c) => c.kind === kind && c.name === name)?.boundSeconds ?? null;

/** A context without a readable declaration is judged by the strictest assumptions (fail closed). */
export function undeclaredPolicy(slug: string): TContextPolicy {
  return {
    slug,
    rpoClass: '(undeclared)',
    rpoBoundSeconds: null,
    rtoClass: '(undeclared)',
    rtoBoundSeconds: null,
    crossSite: 'optional',
    failover: 'operator-approved',
    replication: { local: 'async', crossSite: 'async' },
    acceptedCrossSiteDataLossSeconds: null,
    approvalsRequired: 2,
    runbook: '',
  };
}

/** The policy of one context: its current stored spec (null = none) with the class bounds; undeclared when it does not parse. */
export function contextPolicy(slug: string, storedSpec: unknown, classes: TRecoveryClassRow[]): TContextPolicy {
  const parsed = storedSpec === null || storedSpec === undefined ? null : ZDeclarationSpec.safeParse(storedSpec);
  if (!parsed?.success) return undeclaredPolicy(slug);
  const s = parsed.data;
  return {
    slug,
    rpoClass: s.rpoClass,
    rpoBoundSeconds: classBound(classes, 'RPO', s.rpoClass),
    rtoClass: s.rtoClass,
    rtoBoundSeconds: classBound(classes, 'RTO', s.rtoClass),
    crossSite: s.crossSite,
    failover: s.failover,
    replication: s.replication,
    acceptedCrossSiteDataLossSeconds: s.acceptedCrossSiteDataLossSeconds ?? null,
    approvalsRequired: s.approvalsRequired,
    runbook: s.runbook,
  };
}
