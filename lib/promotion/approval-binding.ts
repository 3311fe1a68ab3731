// What an approval is bound to, and the pure comparison that decides whether a fresh evaluation still
// matches it (docs/safety.md "Requests and approvals": approvals are bound to {cluster, candidate, epoch, observed LSNs, verdict}).
import { isLsn, lsnToBigInt } from '@/lib/pg';
import type { TCandidateVerdict, TSafetyReport, TVerdict } from '@/lib/safety/engine';

export type TBinding = {
  cluster: string;
  candidate: string;
  epoch: number;
  verdict: TVerdict;
  approvalsRequired: number;
  requiresAttestation: boolean;
  candidateLsn: string | null;
  candidateTimeline: number | null;
  primary: string | null;
};

const rank: Record<TVerdict, number> = { SAFE: 0, GATED: 1, MANUAL: 2, BLOCKED: 3 };

export function bindingOf(report: TSafetyReport, candidate: TCandidateVerdict, candidateTimeline: number | null): TBinding {
  return {
    cluster: report.cluster,
    candidate: candidate.node,
    epoch: report.epoch,
    verdict: candidate.verdict,
    approvalsRequired: candidate.approvalsRequired,
    requiresAttestation: candidate.requiresAttestation,
    candidateLsn: candidate.dataLoss.candidateLsn ?? candidate.replayLsn,
    candidateTimeline,
    primary: report.primary?.node ?? null,
  };
}

/**
 * Every way `fresh` is worse than (or no longer the same situation as) `bound`. Empty = the binding holds.
 * An LSN moving forward or a better verdict is fine; anything else invalidates the approval.
 */
export function bindingChanges(bound: TBinding, fresh: TBinding): string[] {
  const out: string[] = [];
  if (fresh.cluster !== bound.cluster) out.push(`cluster changed (${bound.cluster} -> ${fresh.cluster})`);
  if (fresh.candidate !== bound.candidate) out.push(`candidate changed (${bound.candidate} -> ${fresh.candidate})`);
  if (fresh.epoch !== bound.epoch) out.push(`the cluster epoch moved from ${bound.epoch} to ${fresh.epoch}`);
  if (rank[fresh.verdict] > rank[bound.verdict]) out.push(`the verdict got worse (${bound.verdict} -> ${fresh.verdict})`);
  if (fresh.approvalsRequired > bound.approvalsRequired) out.push(`now ${fresh.approvalsRequired} approvals are required (was ${bound.approvalsRequired})`);
  if (fresh.requiresAttestation && !bound.requiresAttestation) out.push('the old primary can no longer be fenced by Vakt: an attestation is now required');
  if (fresh.primary !== bound.primary) out.push(`the old primary changed (${bound.primary ?? 'none'} -> ${fresh.primary ?? 'none'})`);
  if (bound.candidateTimeline !== null && fresh.candidateTimeline !== bound.candidateTimeline) {
    out.push(`the candidate's timeline changed (${bound.candidateTimeline} -> ${fresh.candidateTimeline ?? 'unknown'})`);
  }
  if (isLsn(bound.candidateLsn)) {
    if (!isLsn(fresh.candidateLsn)) out.push(`the candidate's position is no longer known (was ${bound.candidateLsn})`);
    else if (lsnToBigInt(fresh.candidateLsn) < lsnToBigInt(bound.candidateLsn)) {
      out.push(`the candidate's position moved backwards (${bound.candidateLsn} -> ${fresh.candidateLsn})`);
    }
  }
  return out;
}

/** Why an approval no longer counts (kept on the approval row; the audit has the same facts). */
export type TApprovalLapse = { code: 'LOSS_GREW'; at: string; approvedBytes: number | null; freshBytes: number | null; message: string };

/**
 * What an approval row stores in its `observedLsns` JSON: the binding facts it was given, the
 * estimated loss in bytes it was shown (`dataLossBytes`; absent on approvals recorded before this
 * field existed), a lapse once the loss outgrew it, and the earlier approvals of the same person on
 * this request (an approver who approves again after a lapse updates their row; nothing is deleted).
 */
export type TApprovalRecord = {
  candidateLsn?: string | null;
  candidateTimeline?: number | null;
  primary?: string | null;
  dataLossBytes?: number | null;
  lapsed?: TApprovalLapse;
  previous?: Array<Record<string, unknown>>;
};

export const readApprovalRecord = (v: unknown): TApprovalRecord => (v && typeof v === 'object' ? (v as TApprovalRecord) : {});

/** An approval counts while it has neither lapsed nor expired (`now` = Vakt's database now). */
export const approvalCounts = (a: { observedLsns: unknown; expiresAt: Date }, now: Date) => !readApprovalRecord(a.observedLsns).lapsed && a.expiresAt.getTime() > now.getTime();
