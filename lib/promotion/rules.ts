// The promotion rules every use case, read model and the executor share (docs/safety.md, "Promotion
// workflow"). Pure: no I/O, so the UI can import them too.
import type { TActor } from '@/lib/auth/actor';
import type { TCandidateVerdict } from '@/lib/safety/engine';
import type { TPromotionStatus } from './schemas';

/** A request in one of these statuses is open: a cluster has at most one. */
export const OPEN_STATUSES = ['PENDING', 'APPROVED', 'EXECUTING'] as const satisfies readonly TPromotionStatus[];

/**
 * Open but not executing yet: only these can be cancelled, rejected, expired or stopped by split
 * brain. Once EXECUTING, only the executor ends a request (COMPLETED or FAILED).
 */
export const NOT_STARTED_STATUSES = ['PENDING', 'APPROVED'] as const satisfies readonly TPromotionStatus[];
export const isNotStarted = (status: string): status is (typeof NOT_STARTED_STATUSES)[number] => (NOT_STARTED_STATUSES as readonly string[]).includes(status);

/** The attestation an approver must type when the old primary cannot be fenced by Vakt. */
export const attestationTextFor = (oldPrimary: string | null | undefined) => (oldPrimary ? `fenced ${oldPrimary}` : null);

/** What a read model shows as the attestation to type: only where the candidate requires one. */
export const attestationTextIfRequired = (c: Pick<TCandidateVerdict, 'requiresAttestation'>, oldPrimary: string | null | undefined) =>
  c.requiresAttestation ? attestationTextFor(oldPrimary) : null;

/** The typed attestation counts only when it is exactly the expected text (surrounding spaces ignored). */
export const attestationMatches = (given: string | undefined, expected: string | null) => Boolean(given) && given!.trim() === expected;

/** The candidate's estimated loss exceeds the RPO bound: approving needs an explicit acknowledgment in bytes. */
export const exceedsRpo = (c: Pick<TCandidateVerdict, 'reasons'>) => c.reasons.some((r) => r.code === 'EXCEEDS_RPO');

/** An acknowledgment covers an estimate only when both are known bytes and the acknowledgment is at least the estimate. */
export const acknowledgmentCovers = (acknowledgedBytes: number | null | undefined, estimatedBytes: number | null) =>
  acknowledgedBytes !== null && acknowledgedBytes !== undefined && estimatedBytes !== null && acknowledgedBytes >= estimatedBytes;

/** A person's request always needs at least one person's step-up approval, even when SAFE. */
export const approvalsRequiredForRequest = (c: Pick<TCandidateVerdict, 'approvalsRequired'>) => Math.max(1, c.approvalsRequired);

/** Where two approvals are required, the requester cannot be the second approver. */
export const requesterMayNotApproveNow = (opts: { approvalsRequired: number; approvalsSoFar: number; requestedById: string | null; userId: string }) =>
  opts.approvalsRequired >= 2 && opts.approvalsSoFar === opts.approvalsRequired - 1 && opts.requestedById === opts.userId;

/** Only the requester (a signed-in person) or an admin may withdraw a request. */
export const mayCancel = (actor: Pick<TActor, 'type' | 'id' | 'role'>, requestedById: string | null) =>
  (actor.type === 'user' && actor.id !== null && actor.id === requestedById) || actor.role === 'admin';
