// Checks for one candidate plus the cluster-wide checks every candidate shares.
import type { TCandidateVerdict, TMemberInput, TMemberObservation, TSafetyConfig, TSafetyInput, TVerdict } from './types';
import type { TClusterView } from './derive-cluster-state';
import type { TStrictestPolicy } from './strictest-policy';
import { estimateDataLoss, type TDataLossInput } from './estimate-data-loss';
import { reasons, type TCheck } from './reasons';
import { maxLsn, toMs } from '@/lib/pg';
import { isFresh, receivedLsn, repointFork, secondsSince } from './helpers';

/** Everything computed once per evaluation and shared by all candidates. */
export interface TEvaluationFrame {
  input: TSafetyInput;
  config: TSafetyConfig;
  nowMs: number;
  view: TClusterView;
  policy: TStrictestPolicy;
  primaryMember: TMemberInput | null;
  primarySite: string | null;
  expectedTimeline: number | null;
  expectedSystemIdentifier: string | null;
  primaryKnowledge: TDataLossInput['primary'];
  /** Members whose WAL history matches the primary's (same system identifier and timeline). */
  consistent: Set<string>;
}

const effectOrder = { block: 0, manual: 1, gate: 2, info: 3 } as const;

/** Checks that do not depend on the candidate: cluster state, old primary, flapping, declared policy. */
export function clusterChecks(f: TEvaluationFrame): TCheck[] {
  const { view, config, nowMs, policy, input } = f;
  const out: TCheck[] = [];
  const primary = view.primaryNode;
  const approvals = Math.max(policy.approvals, config.approvalsDefault, 1);

  if (view.state === 'SPLIT_BRAIN') out.push(reasons.splitBrain(view.claimants));
  else if (view.primaryHealthy && primary) {
    out.push(reasons.primaryHealthy(primary, secondsSince(f.primaryMember?.observation?.observedAt, nowMs)));
  } else if (!primary) out.push(reasons.noPrimaryHistory());
  else if (view.streamingEvidence.length > 0) out.push(reasons.primaryStillStreaming(primary, view.streamingEvidence));
  else {
    out.push(fenceabilityCheck(f, primary));
    const downFor = secondsSince(input.history.primaryDownSince, nowMs);
    // Unknown down-time counts as "just went down": the flap guard fails closed.
    if (downFor === null || downFor < config.primaryDownForSeconds) {
      out.push(reasons.primaryDownTooShort(primary, downFor, config.primaryDownForSeconds, approvals));
    }
    const downs = (input.history.primaryDownEvents ?? []).filter((t) => {
      const ms = toMs(t);
      return ms !== null && nowMs - ms <= config.flapWindowSeconds * 1000;
    }).length;
    if (downs >= config.flapDownsThreshold) out.push(reasons.primaryFlapping(primary, downs, config.flapWindowSeconds, approvals));
  }

  if (input.contexts.length === 0) out.push(reasons.noContexts());
  if (policy.manual.length > 0) out.push(reasons.failoverManual(policy.manual.map((c) => c.slug)));
  if (policy.operatorApproved.length > 0) {
    const n = Math.max(...policy.operatorApproved.map((c) => c.approvalsRequired));
    out.push(reasons.operatorApproval(policy.operatorApproved.map((c) => c.slug), n));
  }
  if (policy.unsetBound.length > 0) out.push(reasons.rpoBoundUnset(policy.unsetBound, approvals));
  return out;
}

function fenceabilityCheck(f: TEvaluationFrame, primary: string): TCheck {
  const { input, nowMs, config } = f;
  if (input.cluster.kind === 'patroni') return reasons.fencedByPatroni(primary);
  const o = f.primaryMember?.observation ?? null;
  // Only fresh evidence counts: a stale "fenced" report is stale data, and stale data is never SAFE.
  if (o && isFresh(o, nowMs, config)) {
    if (o.fencing?.fenced) return reasons.oldPrimaryFenced(primary, o.fencing.epoch, secondsSince(o.observedAt, nowMs));
    if (o.status === 'ok' || o.status === 'down') return reasons.oldPrimaryFenceable(primary, input.cluster.epoch + 1);
  }
  return reasons.oldPrimaryNotFenceable(primary, secondsSince(f.primaryKnowledge?.lastSeenOkAt ?? null, nowMs));
}

/** Positions come from the latest observation, or the last good one when the latest has none. */
function positions(m: TMemberInput): TMemberObservation | null {
  const o = m.observation;
  if (o && (o.receiveLsn || o.replayLsn || o.walReceiver?.flushedLsn)) return o;
  return m.lastGood ?? o;
}

function candidateChecks(f: TEvaluationFrame, m: TMemberInput): TCheck[] {
  const { config, nowMs, input } = f;
  const o = m.observation;
  const out: TCheck[] = [];
  if (!o) return [reasons.candidateNeverObserved(m.name)];
  if (!isFresh(o, nowMs, config)) out.push(reasons.candidateStale(m.name, secondsSince(o.observedAt, nowMs), config.staleAfterSeconds));
  if (o.status !== 'ok') {
    out.push(reasons.candidateUnreachable(m.name, o.status, o.error));
    return out;
  }
  if (o.role !== 'replica') out.push(reasons.candidateNotInRecovery(m.name, o.role));
  if (o.fencing?.fenced) out.push(reasons.candidateFenced(m.name, o.fencing.epoch));
  if (o.fencing && o.fencing.epoch > input.cluster.epoch) out.push(reasons.candidateEpochAhead(m.name, o.fencing.epoch, input.cluster.epoch));
  if (o.systemIdentifier === null || f.expectedSystemIdentifier === null || o.systemIdentifier !== f.expectedSystemIdentifier) {
    out.push(reasons.systemIdentifierMismatch(m.name, o.systemIdentifier, f.expectedSystemIdentifier));
  }
  if (o.timeline === null || f.expectedTimeline === null || o.timeline !== f.expectedTimeline) {
    const fork = repointFork(m, input.history, f.expectedTimeline);
    out.push(fork ? reasons.needsRepoint(m.name, f.view.primaryNode, fork) : reasons.timelineDiverged(m.name, o.timeline, f.expectedTimeline));
  }
  return out;
}

export function evaluateCandidate(f: TEvaluationFrame, m: TMemberInput, shared: TCheck[]): Omit<TCandidateVerdict, 'rank'> {
  const { input, nowMs, config, policy } = f;
  const pos = positions(m);
  const others = input.members.filter((x) => x.name !== m.name && x.name !== f.view.primaryNode);
  const dataLoss = estimateDataLoss({
    now: nowMs,
    candidate: { name: m.name, receiveLsn: receivedLsn(pos), replayLsn: pos?.replayLsn ?? null, lastReplayAt: pos?.lastReplayAt ?? null },
    primary: f.primaryKnowledge,
    knownPrimaryLsns: others.filter((x) => f.consistent.has(x.name)).map((x) => maxLsn([receivedLsn(x.observation), receivedLsn(x.lastGood)])),
    peers: others.map((x) => ({
      name: x.name,
      fresh: !!x.observation && x.observation.status === 'ok' && isFresh(x.observation, nowMs, config),
      receivedLsn: receivedLsn(x.observation),
    })),
  });
  const crossSite = f.primarySite === null || m.site !== f.primarySite;
  const checks: TCheck[] = [...shared, ...candidateChecks(f, m)];

  // Data loss against the strictest RPO bound.
  const worst = dataLoss.worstCaseSeconds;
  const bound = policy.rpoBoundSeconds;
  if (worst === null) checks.push(reasons.dataLossUnknown(m.name));
  else if (bound !== null && worst > bound) checks.push(reasons.exceedsRpo(dataLoss, bound, policy.strictestContext!));
  else if (bound !== null) checks.push(reasons.withinRpo(dataLoss, bound, policy.strictestContext!));
  if (dataLoss.windowCoveredBySync && dataLoss.bytes === 0) checks.push(reasons.syncStandbyCaughtUp(m.name, dataLoss.syncState));

  // Cross-site stance of every context.
  if (crossSite) {
    const notAssumed = input.contexts.filter((c) => c.crossSite === 'not-assumed');
    if (notAssumed.length > 0) checks.push(reasons.crossSiteNotAllowed(m.name, m.site, notAssumed.map((c) => c.slug)));
    for (const c of input.contexts) {
      if (c.crossSite === 'not-assumed' || c.replication.crossSite === 'sync') continue;
      const accepted = c.acceptedCrossSiteDataLossSeconds ?? null;
      if (accepted === null || worst === null || worst > accepted) checks.push(reasons.crossSiteLossNotAccepted(c.slug, worst, accepted));
      else checks.push(reasons.crossSiteLossAccepted(c.slug, worst, accepted));
    }
  }

  checks.sort((a, b) => effectOrder[a.effect] - effectOrder[b.effect]);
  const verdict: TVerdict = checks.some((c) => c.effect === 'block')
    ? 'BLOCKED'
    : checks.some((c) => c.effect === 'manual')
      ? 'MANUAL'
      : checks.some((c) => c.effect === 'gate')
        ? 'GATED'
        : 'SAFE';
  const gateApprovals = checks.filter((c) => c.effect === 'gate').map((c) => c.approvals ?? 1);
  const approvalsRequired = verdict === 'GATED' ? Math.max(config.approvalsDefault, policy.approvals, ...gateApprovals) : 0;
  const replay = m.observation?.replayLsn ?? m.lastGood?.replayLsn ?? null;

  return {
    node: m.name,
    site: m.site,
    crossSite,
    verdict,
    approvalsRequired,
    reasons: checks.map(({ code, message, effect }) => ({ code, message, effect })),
    dataLoss,
    rpoBoundSeconds: bound,
    strictestContext: policy.strictestContext,
    contexts: input.contexts.map((c) => ({
      slug: c.slug,
      rpoBoundSeconds: c.rpoBoundSeconds,
      withinRpo: c.rpoBoundSeconds === null || worst === null ? null : worst <= c.rpoBoundSeconds,
    })),
    requiresAttestation: checks.some((c) => c.attestation === true),
    replayLsn: replay,
    runbook: verdict === 'MANUAL' ? policy.manual.map((c) => `[${c.slug}]\n${c.runbook}`).join('\n\n') : null,
  };
}
