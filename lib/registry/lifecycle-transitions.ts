// The status transitions of a declaration version (docs/api.md "Declaration lifecycle"). Pure.

export const DECLARATION_STATUS = ['proposed', 'accepted', 'rejected', 'superseded'] as const;
export type TDeclarationStatus = (typeof DECLARATION_STATUS)[number];

export type TSaveOutcome =
  /** the spec equals the head (the pending proposal, else the accepted version): nothing is written */
  | { create: false }
  /** a new version with this status; the pending proposal (if any) becomes `superseded` */
  | { create: true; status: 'accepted' | 'proposed'; supersedes: number | null };

/**
 * A save: an admin's save, or an owner's on an auto-accepted team or context, is accepted at once;
 * any other owner's save is a proposal. One pending proposal per context: a new version (accepted or
 * proposed) supersedes it; a spec identical to the head creates nothing.
 */
export function saveOutcome(o: { acceptsAtOnce: boolean; pendingVersion: number | null; identicalToHead: boolean }): TSaveOutcome {
  if (o.identicalToHead) return { create: false };
  return { create: true, status: o.acceptsAtOnce ? 'accepted' : 'proposed', supersedes: o.pendingVersion };
}

export type TReviewOutcome = { ok: true; status: 'accepted' | 'rejected' } | { ok: false; code: 'CONFLICT' | 'VALIDATION'; message: string };

/** Accept or reject a version: only the pending proposal can be decided; a rejection needs a reason. */
export function reviewOutcome(o: { version: number; status: string; pendingVersion: number | null; action: 'accept' | 'reject'; reason: string | null }): TReviewOutcome {
  if (o.status !== 'proposed' || o.pendingVersion !== o.version) {
    return { ok: false, code: 'CONFLICT', message: `version ${o.version} is not pending review (it is ${o.status})` };
  }
  if (o.action === 'reject' && !o.reason?.trim()) return { ok: false, code: 'VALIDATION', message: 'a rejection needs a reason' };
  return { ok: true, status: o.action === 'accept' ? 'accepted' : 'rejected' };
}
