// What a switchover request stores about its verdict (issue 15): the engine's switchover verdict for the
// candidate, carried in the same snapshot shape as a failover's so that approvals, lists, the detail page
// and the history read it alike. A switchover loses nothing by construction (the executor promotes only
// once the candidate holds the stopped primary's final WAL position), so its loss is 0 bytes and exact,
// and its binding holds no LSN: approvals are bound to {cluster, candidate, epoch, verdict, approvals,
// old primary, candidate timeline}.
import type { TCandidateVerdict, TSwitchoverCandidate } from '@/lib/safety/engine';
import type { TEvaluation } from '@/lib/safety/load-safety-input';
import { bindingOf } from './approval-binding';
import type { TVerdictSnapshot } from './snapshot';

export const SWITCHOVER = 'switchover';
export const isSwitchover = (r: { kind: string }) => r.kind === SWITCHOVER;

export const ZERO_LOSS_PROOF = "planned switchover: promoted only once it holds the stopped primary's final WAL position";

/** The switchover verdict in the failover verdict's shape (0 bytes lost, no salvage, no attestation). */
function asCandidateVerdict(c: TSwitchoverCandidate): TCandidateVerdict {
  return {
    node: c.node,
    site: c.site,
    crossSite: c.crossSite,
    verdict: c.verdict,
    approvalsRequired: c.approvalsRequired,
    reasons: c.reasons,
    dataLoss: {
      bytes: 0,
      seconds: 0,
      unknownWindowSeconds: 0,
      windowCoveredBySync: false,
      worstCaseSeconds: 0,
      referenceLsn: null,
      candidateLsn: null,
      syncState: null,
      basis: 'proven-final',
      exact: true,
      finalLsn: null,
      proof: ZERO_LOSS_PROOF,
    },
    rpoBoundSeconds: null,
    strictestContext: null,
    contexts: [],
    requiresAttestation: false,
    replayLsn: null,
    rank: 0,
    runbook: null,
    salvage: { possible: false, source: null, sourceKind: null, targetLsn: null, bytes: null, remainingBytes: null, expectedSeconds: null, reason: 'not needed: a planned switchover loses nothing' },
  };
}

export function findSwitchoverCandidate(ev: TEvaluation, node: string): TSwitchoverCandidate | null {
  return ev.report.switchover?.candidates.find((c) => c.node === node) ?? null;
}

export function switchoverSnapshotOf(ev: TEvaluation, c: TSwitchoverCandidate): TVerdictSnapshot {
  const candidate = asCandidateVerdict(c);
  return {
    state: ev.report.state,
    evaluatedAt: ev.report.evaluatedAt,
    epoch: ev.report.epoch,
    primary: ev.report.primary,
    candidate,
    binding: bindingOf(ev.report, candidate, c.timeline),
    switchover: c,
  };
}

/** The fresh snapshot of a request's candidate, for its kind (null: not a candidate any more). */
export function freshSnapshotFor(ev: TEvaluation, req: { kind: string; candidate: string }, failover: (ev: TEvaluation, node: string) => TVerdictSnapshot | null): TVerdictSnapshot | null {
  if (!isSwitchover(req)) return failover(ev, req.candidate);
  const c = findSwitchoverCandidate(ev, req.candidate);
  return c ? switchoverSnapshotOf(ev, c) : null;
}
