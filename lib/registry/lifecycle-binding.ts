// What binds while a declaration is under review (docs/api.md "Declaration lifecycle"), fail closed.
// Pure: the loader (lifecycle-load.ts) reads the accepted and the pending version and calls this.
import type { TDeclarationSpec } from './declaration-schema';

/**
 * accepted: an accepted version and no pending proposal; pending: an accepted version and a pending
 * proposal (field by field the stricter binds); not-accepted: only a proposal (it binds, gated by two
 * approvals and never automatic, reason DECLARATION_NOT_ACCEPTED); undeclared: neither.
 */
export type TBindingState = 'accepted' | 'pending' | 'not-accepted' | 'undeclared';

export type TBinding = {
  state: TBindingState;
  /** the spec verdicts, findings and readiness judge by (null = undeclared) */
  spec: TDeclarationSpec | null;
  /**
   * Whether a cross-site replica must exist. Separate from `spec.crossSite` (which answers whether a
   * cross-site promotion is allowed): with `required` accepted and `not-assumed` proposed, a
   * cross-site promotion is not allowed AND a cross-site replica is still required.
   */
  crossSiteReplicaRequired: boolean;
};

/** Numeric bound of a class (null = unknown class or bound not chosen: counts as the stricter, fail closed). */
export type TBoundOf = (kind: 'RPO' | 'RTO', name: string) => number | null;

const FAILOVER_RANK = { automatic: 0, 'operator-approved': 1, manual: 2 } as const;
type TFailover = TDeclarationSpec['failover'];
const stricterFailover = (a: TFailover, b: TFailover): TFailover => (FAILOVER_RANK[b] > FAILOVER_RANK[a] ? b : a);

/** The class with the lower bound; an unknown bound is the stricter; a tie keeps `a` (the accepted one). */
function stricterClass(kind: 'RPO' | 'RTO', a: string, b: string, boundOf: TBoundOf): string {
  const ba = boundOf(kind, a);
  const bb = boundOf(kind, b);
  if (ba === null) return a;
  if (bb === null) return b;
  return bb < ba ? b : a;
}

/** The smaller accepted loss; absent (no loss accepted) is the smallest. */
const smallerLoss = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : Math.min(a, b));

/** A drill cadence is stricter than none (0 / null); two cadences: the shorter. */
function stricterCadence(a: number | null, b: number | null): number | null {
  if (!a) return b || a;
  if (!b) return a;
  return Math.min(a, b);
}

/**
 * The spec that binds, field by field the stricter of the accepted and the proposed value:
 * failover manual > operator-approved > automatic; approvals 2 > 1; RPO/RTO the class with the lower
 * bound; accepted cross-site loss the smaller; cross-site stance `not-assumed` for whether a
 * cross-site promotion is allowed (`spec.crossSite`), `required` for whether a cross-site replica must
 * exist (`crossSiteReplicaRequired`); backup: the shorter full interval, PITR and WAL archiving if either asks,
 * the longer retention, the shorter drill cadence. Every other field (data ownership, replication,
 * runbook, justification, storage) binds as accepted: those are reviewed claims, not targets.
 * Without an accepted version the proposal binds with at least operator-approved failover and two approvals.
 */
export function bindingSpec(accepted: TDeclarationSpec | null, proposed: TDeclarationSpec | null, boundOf: TBoundOf): TBinding {
  if (!accepted && !proposed) return { state: 'undeclared', spec: null, crossSiteReplicaRequired: false };
  if (!accepted) {
    const p = proposed!;
    return { state: 'not-accepted', spec: { ...p, failover: stricterFailover(p.failover, 'operator-approved'), approvalsRequired: 2 }, crossSiteReplicaRequired: p.crossSite === 'required' };
  }
  if (!proposed) return { state: 'accepted', spec: accepted, crossSiteReplicaRequired: accepted.crossSite === 'required' };
  const a = accepted;
  const p = proposed;
  const stances = [a.crossSite, p.crossSite];
  const crossSite = stances.includes('not-assumed') ? 'not-assumed' : stances.includes('required') ? 'required' : 'optional';
  const spec: TDeclarationSpec = {
    ...a,
    rpoClass: stricterClass('RPO', a.rpoClass, p.rpoClass, boundOf),
    rtoClass: stricterClass('RTO', a.rtoClass, p.rtoClass, boundOf),
    crossSite,
    failover: stricterFailover(a.failover, p.failover),
    approvalsRequired: a.approvalsRequired === 2 || p.approvalsRequired === 2 ? 2 : 1,
    backup: {
      fullIntervalHours: Math.min(a.backup.fullIntervalHours, p.backup.fullIntervalHours),
      pitr: a.backup.pitr || p.backup.pitr,
      walArchiving: a.backup.walArchiving || p.backup.walArchiving,
      retentionDays: Math.max(a.backup.retentionDays, p.backup.retentionDays),
      drillCadenceDays: stricterCadence(a.backup.drillCadenceDays, p.backup.drillCadenceDays),
    },
  };
  const loss = smallerLoss(a.acceptedCrossSiteDataLossSeconds, p.acceptedCrossSiteDataLossSeconds);
  if (loss === undefined) delete spec.acceptedCrossSiteDataLossSeconds;
  else spec.acceptedCrossSiteDataLossSeconds = loss;
  return { state: 'pending', spec, crossSiteReplicaRequired: stances.includes('required') };
}
