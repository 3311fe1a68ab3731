// Reason codes of the safety engine and their plain-words messages. Codes are stable (clients and
// runbooks match on them); messages carry the numbers an on-call operator needs.
import type { TDataLoss, TReason, TReasonEffect } from './types';
import { fmtBytes, fmtSeconds } from './helpers';

/** A reason plus what it demands: approvals for a gate, an operator's fencing attestation. */
export interface TCheck extends TReason {
  approvals?: number;
  attestation?: boolean;
}

const mk = (code: string, effect: TReasonEffect, message: string, extra: Partial<TCheck> = {}): TCheck => ({
  code,
  effect,
  message,
  ...extra,
});
const age = (s: number | null) => (s === null ? 'an unknown time' : fmtSeconds(s));

export const reasons = {
  primaryHealthy: (primary: string, ageS: number | null) =>
    mk('PRIMARY_HEALTHY', 'block', `The primary ${primary} is healthy (seen ok ${age(ageS)} ago). Failover is not needed; to move the primary, request a planned switchover.`),
  candidatePromoting: (node: string, ageS: number | null) =>
    mk(
      'CANDIDATE_PROMOTING',
      'block',
      `${node} was told to promote ${age(ageS)} ago and did not say whether it finished; it may become primary at any moment. Every other promotion is blocked until Vakt observes its role, or until an operator abandons that promote on its promotion page (Vakt fences ${node} first).`,
    ),
  splitBrain: (claimants: string[]) =>
    mk('SPLIT_BRAIN', 'block', `More than one node accepts writes (${claimants.join(', ')}). Every promotion is blocked until all but one are fenced.`),
  noPrimaryHistory: () =>
    mk('NO_PRIMARY_HISTORY', 'block', 'Vakt has no record of which node was the primary, so it cannot fence it or estimate data loss. Promotion is blocked.'),
  primaryStillStreaming: (primary: string, evidence: string[]) =>
    mk('PRIMARY_STILL_STREAMING', 'block', `Vakt cannot reach the primary ${primary}, but ${evidence.join('; ')}. The primary is probably alive; promoting now could create two primaries.`),
  candidateNeverObserved: (node: string) =>
    mk('CANDIDATE_STALE', 'block', `${node} has never been observed; Vakt has no data to judge it.`),
  candidateStale: (node: string, ageS: number | null, limit: number) =>
    mk('CANDIDATE_STALE', 'block', `The last observation of ${node} is ${age(ageS)} old (limit ${fmtSeconds(limit)}); stale data is never enough to promote.`),
  candidateUnreachable: (node: string, status: 'down' | 'unknown', error: string | null | undefined) =>
    mk(
      'CANDIDATE_UNREACHABLE',
      'block',
      status === 'down'
        ? `The agent on ${node} answers but PostgreSQL there is not reachable${error ? ` (${error})` : ''}.`
        : `The agent on ${node} does not answer or answers garbage${error ? ` (${error})` : ''}.`,
    ),
  candidateNotInRecovery: (node: string, role: string) =>
    mk('CANDIDATE_NOT_IN_RECOVERY', 'block', `${node} is not a replica in recovery (its role is ${role}); only a replica can be promoted.`),
  candidateFenced: (node: string, epoch: number) =>
    mk('CANDIDATE_FENCED', 'block', `${node} is fenced (epoch ${epoch}); a fenced node must be rebuilt before it can serve.`),
  candidateEpochAhead: (node: string, nodeEpoch: number, clusterEpoch: number) =>
    mk('CANDIDATE_EPOCH_AHEAD', 'block', `The agent on ${node} has seen epoch ${nodeEpoch}, newer than the cluster's recorded epoch ${clusterEpoch}; Vakt's record is behind reality.`),
  systemIdentifierMismatch: (node: string, got: string | null, expected: string | null) =>
    mk(
      'SYSTEM_IDENTIFIER_MISMATCH',
      'block',
      got === null
        ? `${node} did not report its system identifier, so Vakt cannot prove it is a copy of this cluster.`
        : expected === null
          ? `The cluster's system identifier is not known, so Vakt cannot prove ${node} (${got}) is a copy of it.`
          : `${node} has system identifier ${got}, but the cluster's is ${expected}: it is a different database.`,
    ),
  timelineDiverged: (node: string, got: number | null, expected: number | null) =>
    mk(
      'TIMELINE_DIVERGED',
      'block',
      got === null
        ? `${node} did not report its timeline, so Vakt cannot prove it follows the primary's history.`
        : expected === null
          ? `The primary's timeline is not known, so Vakt cannot prove ${node} (timeline ${got}) follows its history.`
          : `${node} is on timeline ${got}, but the primary was on timeline ${expected}: its history has diverged.`,
    ),
  needsRepoint: (node: string, primary: string | null, fork: { receivedLsn: string; forkLsn: string; previousTimeline: number; newTimeline: number }) =>
    mk(
      'NEEDS_REPOINT',
      'block',
      `${node} is still on timeline ${fork.previousTimeline} and received WAL up to ${fork.receivedLsn}, not past ${fork.forkLsn} where timeline ${fork.newTimeline} forked: it has not diverged, but it follows no primary. Point it at ${primary ?? 'the new primary'} before it can be promoted.`,
    ),
  clockSkew: (node: string, skewMs: number | null | undefined, limitMs: number, error: string | null | undefined) =>
    mk(
      'CLOCK_SKEW',
      'block',
      typeof skewMs === 'number'
        ? `The clock of ${node}'s agent is ${Math.round(skewMs)} ms off Vakt's database clock (limit ${limitMs} ms); its times cannot be trusted, so it is treated as unknown.`
        : `The clock of ${node}'s agent is off Vakt's database clock by more than ${limitMs} ms${error ? ` (${error})` : ''}; it is treated as unknown.`,
    ),
  candidateIsOldPrimary: (node: string, why: string) =>
    mk('CANDIDATE_IS_OLD_PRIMARY', 'block', `${node} ${why}; an old primary may hold WAL no other member has and is never promoted as a replica. Rebuild it from the current primary first.`),
  candidateBehindReplica: (node: string, ahead: string, bytes: number) =>
    mk(
      'CANDIDATE_BEHIND_REPLICA',
      'gate',
      `${ahead} answers now and holds ${fmtBytes(bytes)} more WAL than ${node}: promoting ${node} would lose what ${ahead} has. Promote ${ahead} instead, or two operators must approve the loss; automatic failover never does this.`,
      { approvals: 2 },
    ),
  syncNotProven: (node: string, cause: string) =>
    mk('SYNC_NOT_PROVEN', 'info', `Synchronous replication does not prove ${node} holds every acknowledged commit: ${cause}. The unknown window counts in the worst case.`),
  oldPrimaryFenceable: (primary: string, nextEpoch: number) =>
    mk('OLD_PRIMARY_FENCEABLE', 'info', `The agent on the old primary ${primary} answers: the promotion fences it with epoch ${nextEpoch} before promoting.`),
  oldPrimaryFenced: (primary: string, epoch: number, ageS: number | null) =>
    mk('OLD_PRIMARY_FENCED', 'info', `The old primary ${primary} reported itself fenced at epoch ${epoch} (${age(ageS)} ago).`),
  fencedByPatroni: (primary: string) =>
    mk('FENCED_BY_PATRONI', 'info', `Patroni's leader lock fences the old primary ${primary}: it demotes itself when it cannot renew the lock.`),
  patroniLeaderStopped: (primary: string, state: string, ageS: number | null) =>
    mk('PATRONI_LEADER_STOPPED', 'info', `Patroni is paused, so its leader lock does not fence ${primary}; but Patroni on ${primary} answered ${age(ageS)} ago that PostgreSQL there is ${state}. The promotion checks again before promoting.`),
  fenceAgentFenceable: (primary: string, nextEpoch: number) =>
    mk('OLD_PRIMARY_FENCEABLE', 'info', `Patroni is paused (or its pause state is unknown), so its leader lock does not fence ${primary}; the Vakt agent beside ${primary} answers: the promotion fences it with epoch ${nextEpoch} before promoting.`),
  patroniLeaderNotProvenStopped: (primary: string, answered: string | null, fenceAgentError: string | null = null) =>
    mk(
      'OLD_PRIMARY_NOT_FENCEABLE',
      'gate',
      `Patroni is paused (or its pause state is unknown), so its leader lock does not fence the old leader ${primary}, and ${answered === null ? `Patroni on ${primary} does not answer` : `Patroni on ${primary} answers with PostgreSQL ${answered}, not stopped`}${fenceAgentError ? `; the Vakt agent beside it does not answer either (${fenceAgentError})` : ''}. An operator must attest it is fenced (powered off or isolated) before promoting; an attestation covers it only while it stays unreachable. Patroni before 3.0.4 does not report whether a replica streams: check pg_stat_wal_receiver on the replicas first.`,
      { attestation: true, approvals: 1 },
    ),
  oldPrimaryNotFenceable: (primary: string, ageS: number | null) =>
    mk(
      'OLD_PRIMARY_NOT_FENCEABLE',
      'gate',
      `The agent on the old primary ${primary} does not answer (last seen ok ${age(ageS)} ago) and it is not known to be fenced. An operator must attest it is fenced (powered off or isolated) before promoting.`,
      { attestation: true, approvals: 1 },
    ),
  primaryDownTooShort: (primary: string, downS: number | null, needS: number, approvals: number) =>
    mk(
      'PRIMARY_DOWN_TOO_SHORT',
      'gate',
      `The primary ${primary} has been down for ${downS === null ? 'an unknown time' : fmtSeconds(downS)}; automatic failover waits ${fmtSeconds(needS)} to rule out a brief outage.`,
      { approvals },
    ),
  primaryFlapping: (primary: string, downs: number, windowS: number, approvals: number) =>
    mk('PRIMARY_FLAPPING', 'gate', `The primary ${primary} went down ${downs} times in the last ${fmtSeconds(windowS)}; automatic failover is suspended while it flaps.`, { approvals }),
  noContexts: () =>
    mk('NO_CONTEXTS', 'gate', 'This cluster holds no registered bounded context, so no recovery targets apply; two operators must approve.', { approvals: 2 }),
  failoverManual: (slugs: string[]) =>
    mk('FAILOVER_MANUAL', 'manual', `Failover is declared manual by ${slugs.join(', ')}: follow the runbook; Vakt will not promote on its own.`),
  declarationNotAccepted: (slugs: string[]) =>
    mk('DECLARATION_NOT_ACCEPTED', 'gate', `No declaration of ${slugs.join(', ')} is accepted yet (only a proposal): two operators must approve, and Vakt takes no automatic action.`, { approvals: 2 }),
  operatorApproval: (slugs: string[], approvals: number) =>
    mk('OPERATOR_APPROVAL', 'gate', `Failover is declared operator-approved by ${slugs.join(', ')}: ${approvals} approval(s) required.`, { approvals }),
  rpoBoundUnset: (entries: Array<{ slug: string; rpoClass: string }>, approvals: number) =>
    mk(
      'RPO_BOUND_UNSET',
      'gate',
      `No numeric bound is set for ${entries.map((e) => `${e.rpoClass} (${e.slug})`).join(', ')}, so Vakt cannot prove the loss is within RPO.`,
      { approvals },
    ),
  dataLossUnknown: (node: string) =>
    mk('DATA_LOSS_UNKNOWN', 'gate', `Vakt cannot estimate the data loss of promoting ${node} (positions or times are missing); two operators must approve.`, { approvals: 2 }),
  exceedsRpo: (loss: TDataLoss, bound: number, slug: string) =>
    mk('EXCEEDS_RPO', 'gate', `${describeLoss(loss)} That is above the ${fmtSeconds(bound)} RPO bound of ${slug}; two operators must approve the loss.`, { approvals: 2 }),
  withinRpo: (loss: TDataLoss, bound: number, slug: string) =>
    mk('WITHIN_RPO', 'info', `${describeLoss(loss)} That is within the ${fmtSeconds(bound)} RPO bound of ${slug}.`),
  syncStandbyCaughtUp: (node: string, state: string | null) =>
    mk('SYNC_STANDBY_CAUGHT_UP', 'info', `${node} was a ${state ?? 'synchronous'} standby and has received everything the primary acknowledged: no committed data is lost.`),
  crossSiteNotAllowed: (node: string, site: string, slugs: string[]) =>
    mk('CROSS_SITE_NOT_ALLOWED', 'block', `${node} is in another site (${site}) and ${slugs.join(', ')} do(es) not assume cross-site failover.`),
  crossSiteLossNotAccepted: (slug: string, worst: number | null, accepted: number | null) =>
    mk(
      'CROSS_SITE_LOSS_NOT_ACCEPTED',
      'gate',
      accepted === null
        ? `${slug} replicates asynchronously across sites and has accepted no cross-site data-loss window; two operators must approve.`
        : `${slug} accepts ${fmtSeconds(accepted)} of cross-site loss, but the estimate is ${worst === null ? 'unknown' : fmtSeconds(worst)}; two operators must approve.`,
      { approvals: 2 },
    ),
  lossProven: (primary: string, node: string, loss: TDataLoss) =>
    mk('LOSS_PROVEN', 'info', `${primary} stopped and its agent proved where its WAL ends (${loss.proof ?? loss.finalLsn}): the unknown window is closed and ${node} would lose exactly ${fmtBytes(loss.bytes ?? 0)}.`),
  finalPositionNotTrusted: (primary: string, why: string) =>
    mk('FINAL_POSITION_NOT_TRUSTED', 'info', `The final WAL position ${primary}'s agent reported is not used: ${why}. The unknown window counts.`),
  // planned switchover (issue 15)
  switchoverUnsupported: (kind: string) =>
    mk('SWITCHOVER_UNSUPPORTED', 'block', `Vakt does not run planned switchovers for ${kind} clusters yet.`),
  switchoverPrimaryNotHealthy: (primary: string | null, state: string) =>
    mk(
      'SWITCHOVER_PRIMARY_NOT_HEALTHY',
      'block',
      primary
        ? `A planned switchover needs a healthy primary answering now; ${primary} is not (cluster ${state}). Use failover when the primary is down.`
        : `A planned switchover needs a healthy primary; Vakt sees none (cluster ${state}).`,
    ),
  candidateNotStreaming: (node: string, primary: string, status: string | null) =>
    mk('CANDIDATE_NOT_STREAMING', 'block', `${node} is not streaming from ${primary} (WAL receiver ${status ?? 'absent'}, and ${primary} does not list it streaming); it could not receive the final WAL.`),
  candidateLagging: (node: string, lagBytes: number | null, replayLagBytes: number | null, maxBytes: number) =>
    mk(
      'CANDIDATE_LAGGING',
      'block',
      lagBytes === null || replayLagBytes === null
        ? `${node}'s lag behind the primary is not known (positions missing); a switchover starts only within ${fmtBytes(maxBytes)}.`
        : `${node} is ${fmtBytes(lagBytes)} behind in received and ${fmtBytes(replayLagBytes)} in replayed WAL; a switchover starts only within ${fmtBytes(maxBytes)} (the primary stops writing while it catches up).`,
    ),
  candidateNoReplicationAddress: (node: string) =>
    mk('CANDIDATE_NO_REPLICATION_ADDRESS', 'block', `${node}'s agent reports no replication address (VAKT_AGENT_REPLICATION_ADDRESS), so the old primary could not be restarted as its replica.`),
  switchoverReady: (node: string, primary: string, lagBytes: number, replayLagBytes: number) =>
    mk('SWITCHOVER_READY', 'info', `${node} streams from ${primary}, ${fmtBytes(lagBytes)} behind (${fmtBytes(replayLagBytes)} not replayed). Vakt stops ${primary} cleanly, waits until ${node} holds its final WAL position, then promotes: no acknowledged write is lost.`),
  crossSiteLossAccepted: (slug: string, worst: number, accepted: number) =>
    mk('CROSS_SITE_LOSS_ACCEPTED', 'info', `${slug} accepts ${fmtSeconds(accepted)} of cross-site loss; the estimate is ${fmtSeconds(worst)}.`),
};

/** One sentence saying which part of the estimate is measured and which is the unknown window. */
export function describeLoss(loss: TDataLoss): string {
  if (loss.basis === 'proven-final' && loss.bytes !== null) {
    return `Exact loss: ${fmtBytes(loss.bytes)}${loss.seconds === null ? '' : `, at most ${fmtSeconds(loss.seconds)} of writes`}; proven: ${loss.proof ?? `final WAL position ${loss.finalLsn}`}.`;
  }
  const measured =
    loss.bytes === null
      ? 'Measured loss: unknown.'
      : `Measured loss: ${fmtBytes(loss.bytes)}, ${loss.seconds === null ? 'unknown seconds' : fmtSeconds(loss.seconds)} behind.`;
  const window =
    loss.unknownWindowSeconds === null
      ? ' The primary was never seen ok, so the unknown window is unbounded.'
      : loss.windowCoveredBySync
        ? ` The ${fmtSeconds(loss.unknownWindowSeconds)} since the primary was last seen ok is covered by synchronous replication.`
        : ` Plus an unknown window of ${fmtSeconds(loss.unknownWindowSeconds)} since the primary was last seen ok, in which it may have written more.`;
  const worst = loss.worstCaseSeconds === null ? '' : ` Worst case: ${fmtSeconds(loss.worstCaseSeconds)}.`;
  return measured + window + worst;
}
