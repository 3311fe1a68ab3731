// What a promotion request stores about the verdict it was made under, and how to read it back.
import type { TCandidateVerdict, TSafetyReport, TSwitchoverCandidate } from '@/lib/safety/engine';
import { bindingOf, type TBinding } from './approval-binding';
import type { TEvaluation } from '@/lib/safety/load-safety-input';

export type TVerdictSnapshot = {
  state: TSafetyReport['state'];
  evaluatedAt: string;
  epoch: number;
  primary: TSafetyReport['primary'];
  candidate: TCandidateVerdict;
  binding: TBinding;
  /**
   * Set when execution found the fresh loss above what the approvals covered (LOSS_GREW): the request
   * went back to PENDING, rebound to the fresh evaluation (this snapshot), and its approvals lapsed.
   */
  lossGrew?: TLossGrew;
  /** a switchover request: the engine's switchover verdict (`candidate` carries it in the failover shape) */
  switchover?: TSwitchoverCandidate;
};

/** Why a request went back to PENDING: both numbers and what was allowed (docs/safety.md "LOSS_GREW"). */
export type TLossGrew = {
  code: 'LOSS_GREW';
  at: string;
  approvedBytes: number | null;
  acknowledgedBytes: number | null;
  freshBytes: number | null;
  allowedBytes: number | null;
  lapsedApprovals: string[];
  message: string;
};

export function candidateTimeline(ev: TEvaluation, node: string): number | null {
  const m = ev.input.members.find((x) => x.name === node);
  return m?.observation?.timeline ?? m?.lastGood?.timeline ?? null;
}

export function findCandidate(ev: TEvaluation, node: string): TCandidateVerdict | null {
  return ev.report.candidates.find((c) => c.node === node) ?? null;
}

/** The fresh failover snapshot of `node` (null: not a candidate). */
export function failoverSnapshot(ev: TEvaluation, node: string): TVerdictSnapshot | null {
  const c = findCandidate(ev, node);
  return c ? snapshotOf(ev, c) : null;
}

export function snapshotOf(ev: TEvaluation, c: TCandidateVerdict): TVerdictSnapshot {
  return {
    state: ev.report.state,
    evaluatedAt: ev.report.evaluatedAt,
    epoch: ev.report.epoch,
    primary: ev.report.primary,
    candidate: c,
    binding: bindingOf(ev.report, c, candidateTimeline(ev, c.node)),
  };
}

export function observedLsnsOf(ev: TEvaluation, c: TCandidateVerdict) {
  return {
    candidate: { node: c.node, lsn: c.dataLoss.candidateLsn, replayLsn: c.replayLsn, timeline: candidateTimeline(ev, c.node) },
    primary: ev.report.primary ? { node: ev.report.primary.node, lsn: ev.report.primary.lsn, timeline: ev.report.primary.timeline } : null,
    referenceLsn: c.dataLoss.referenceLsn,
  };
}

export const readSnapshot = (v: unknown) => v as TVerdictSnapshot;
