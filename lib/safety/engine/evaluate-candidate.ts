// Checks for one candidate plus the cluster-wide checks every candidate shares.
import type { TCandidateVerdict, TMemberInput, TMemberObservation, TSafetyConfig, TSafetyInput, TVerdict } from './types';
import type { TClusterView } from './derive-cluster-state';
import type { TStrictestPolicy } from './strictest-policy';
import { explainDataLoss, type TDataLossInput } from './estimate-data-loss';
import { reasons, type TCheck } from './reasons';
import { planSalvage } from './salvage-plan';
import { lsnBytes, toMs } from '@/lib/pg';
import { answeredNow, isClockSkewed, isFresh, receivedLsn, repointFork, secondsSince, walEnd } from './helpers';

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
  /** Members whose WAL end is a position every candidate must reach (same database system, not left on an older timeline). */
  walCounted: Set<string>;
  /** why the stopped primary's reported final position is not used (null: used, or none reported) */
  finalPositionRejected: string | null;
}

const effectOrder = { block: 0, manual: 1, gate: 2, info: 3 } as const;

/** BLOCKED if any check blocks, else MANUAL if any is manual, else GATED if any gates, else SAFE (docs/safety.md "Verdicts"). */
export function verdictOf(checks: Array<Pick<TCheck, 'effect'>>): TVerdict {
  if (checks.some((c) => c.effect === 'block')) return 'BLOCKED';
  if (checks.some((c) => c.effect === 'manual')) return 'MANUAL';
  return checks.some((c) => c.effect === 'gate') ? 'GATED' : 'SAFE';
}

/** Checks that do not depend on the candidate: cluster state, old primary, flapping, declared policy. */
export function clusterChecks(f: TEvaluationFrame): TCheck[] {
  const { view, config, nowMs, policy, input } = f;
  const out: TCheck[] = [];
  const primary = view.primaryNode;
  const approvals = Math.max(policy.approvals, config.approvalsDefault, 1);

  if (input.history.promoting) out.push(reasons.candidatePromoting(input.history.promoting.node, secondsSince(input.history.promoting.since, nowMs, config)));
  if (view.state === 'SPLIT_BRAIN') out.push(reasons.splitBrain(view.claimants));
  else if (view.primaryHealthy && primary) {
    out.push(reasons.primaryHealthy(primary, secondsSince(f.primaryMember?.observation?.observedAt, nowMs, config)));
  } else if (!primary) out.push(reasons.noPrimaryHistory());
  else if (view.streamingEvidence.length > 0) out.push(reasons.primaryStillStreaming(primary, view.streamingEvidence));
  else {
    out.push(fenceabilityCheck(f, primary));
    const downFor = secondsSince(input.history.primaryDownSince, nowMs, config);
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

  out.push(...declaredPolicyChecks(input, policy));
  if (policy.unsetBound.length > 0) out.push(reasons.rpoBoundUnset(policy.unsetBound, approvals));
  return out;
}

/** What the contexts' declarations demand of any promotion (failover and switchover alike). */
export function declaredPolicyChecks(input: Pick<TSafetyInput, 'contexts'>, policy: TStrictestPolicy): TCheck[] {
  const out: TCheck[] = [];
  if (input.contexts.length === 0) out.push(reasons.noContexts());
  const notAccepted = input.contexts.filter((c) => c.notAccepted);
  if (notAccepted.length > 0) out.push(reasons.declarationNotAccepted(notAccepted.map((c) => c.slug)));
  if (policy.manual.length > 0) out.push(reasons.failoverManual(policy.manual.map((c) => c.slug)));
  if (policy.operatorApproved.length > 0) {
    const n = Math.max(...policy.operatorApproved.map((c) => c.approvalsRequired));
    out.push(reasons.operatorApproval(policy.operatorApproved.map((c) => c.slug), n));
  }
  return out;
}

function fenceabilityCheck(f: TEvaluationFrame, primary: string): TCheck {
  const { input, nowMs, config } = f;
  const o = f.primaryMember?.observation ?? null;
  if (input.cluster.kind === 'patroni') {
    // Outside pause mode Patroni demotes a leader that cannot renew its lock. In pause mode (or when no
    // fresh member says which) it does not: the old leader must be proven stopped by its own REST API
    // answering now with PostgreSQL stopped, or attested (the registry links no Vakt agent to a member).
    if (patroniPaused(f) === false) return reasons.fencedByPatroni(primary);
    // A Vakt agent beside the old leader that answered in a fresh poll fences it before the promotion
    // (and an epoch-fenced one stays read-only whatever starts its PostgreSQL again).
    const fa = o?.fenceAgent ?? null;
    if (fa?.answered && isFresh(o, nowMs, config) && !isClockSkewed(o, config)) {
      if (fa.fencing?.fenced) return reasons.oldPrimaryFenced(primary, fa.fencing.epoch, secondsSince(o!.observedAt, nowMs, config));
      return reasons.fenceAgentFenceable(primary, input.cluster.epoch + 1);
    }
    const state = o?.patroni?.state ?? null;
    if (answeredNow(o, nowMs, config, { down: true }) && o!.status === 'down' && state !== null && PATRONI_STOPPED.includes(state)) {
      return reasons.patroniLeaderStopped(primary, state, secondsSince(o!.observedAt, nowMs, config));
    }
    return reasons.patroniLeaderNotProvenStopped(primary, answeredNow(o, nowMs, config, { down: true }) ? state ?? o!.status : null, fa && !fa.answered ? fa.error ?? 'no answer' : null);
  }
  // Only an answer now counts: the agent answered (ok or down) in a fresh observation with a clock Vakt
  // trusts. An unknown or stale member keeps the payload of an earlier answer; its "fenced" is history.
  if (answeredNow(o, nowMs, config, { down: true })) {
    if (o!.fencing?.fenced) return reasons.oldPrimaryFenced(primary, o!.fencing.epoch, secondsSince(o!.observedAt, nowMs, config));
    return reasons.oldPrimaryFenceable(primary, input.cluster.epoch + 1);
  }
  return reasons.oldPrimaryNotFenceable(primary, secondsSince(f.primaryKnowledge?.lastSeenOkAt ?? null, nowMs, config));
}

const PATRONI_STOPPED = ['stopped', 'crashed', 'start failed', 'stop failed'];

/** Pause mode as the fresh Patroni answers say: any paused -> true; none tells -> null (unknown). */
function patroniPaused(f: TEvaluationFrame): boolean | null {
  const said = f.input.members
    .map((m) => m.observation)
    .filter((o) => o && o.status !== 'unknown' && isFresh(o, f.nowMs, f.config) && o.patroni && o.patroni.paused !== null)
    .map((o) => o!.patroni!.paused);
  return said.length === 0 ? null : said.some(Boolean);
}

/** Positions come from the latest observation, or the last good one when the latest has none. */
function positions(m: TMemberInput): TMemberObservation | null {
  const o = m.observation;
  if (o && (o.receiveLsn || o.replayLsn || o.walReceiver?.flushedLsn)) return o;
  return m.lastGood ?? o;
}

/** Why a member may never be promoted as a replica: it was the primary (it may hold WAL nobody else has). */
function oldPrimaryWhy(f: TEvaluationFrame, m: TMemberInput): string | null {
  const h = f.input.history;
  if (m.name === h.expectedPrimary?.node) return 'was the primary Vakt last saw';
  const replaced = [...(h.replacedPrimaries ?? [])];
  if (h.previousPromotion?.fromNode) replaced.push({ node: h.previousPromotion.fromNode, epoch: h.previousPromotion.epoch, timeline: h.previousPromotion.previousTimeline ?? null });
  const entry = replaced.find((r) => r.node === m.name);
  if (!entry) return null;
  // Rebuilt and rejoined (pg_rewind or a base backup, then unfenced): it answers now as an unfenced
  // replica on the expected timeline, later than the one it was replaced on. Anything else, or anything
  // unknown, is the old primary itself.
  const o = m.observation;
  const rebuilt =
    answeredNow(o, f.nowMs, f.config) &&
    o!.role === 'replica' &&
    o!.fencing?.fenced !== true &&
    entry.timeline !== null &&
    o!.timeline !== null &&
    f.expectedTimeline !== null &&
    o!.timeline === f.expectedTimeline &&
    o!.timeline > entry.timeline;
  return rebuilt ? null : `is a primary replaced at epoch ${entry.epoch}${entry.timeline === null ? '' : ` on timeline ${entry.timeline}`} and has not been rebuilt onto the current timeline`;
}

export function candidateChecks(f: TEvaluationFrame, m: TMemberInput): TCheck[] {
  const { config, nowMs, input } = f;
  const o = m.observation;
  const out: TCheck[] = [];
  const oldPrimary = oldPrimaryWhy(f, m);
  if (oldPrimary) out.push(reasons.candidateIsOldPrimary(m.name, oldPrimary));
  if (!o) return [...out, reasons.candidateNeverObserved(m.name)];
  if (isClockSkewed(o, config)) out.push(reasons.clockSkew(m.name, o.clockSkewMs, config.maxClockSkewMs, o.error));
  if (!isFresh(o, nowMs, config)) out.push(reasons.candidateStale(m.name, secondsSince(o.observedAt, nowMs, config), config.staleAfterSeconds));
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

/** Why a peer's observation is no evidence that it could not have acknowledged more (null = it is). */
function notFresh(f: TEvaluationFrame, x: TMemberInput): string | null {
  const o = x.observation;
  if (!o) return 'never observed';
  if (isClockSkewed(o, f.config)) return 'its clock is skewed';
  if (!isFresh(o, f.nowMs, f.config)) return 'stale';
  if (o.status !== 'ok') return `status ${o.status}`;
  return null;
}

/**
 * The reachable member holding the most WAL beyond the candidate: fresh, answered ok now (whatever its
 * role or clock: positions are not times), and its WAL end counted. Null when none is ahead.
 */
function aheadOf(f: TEvaluationFrame, m: TMemberInput, candidateLsn: string | null): { node: string; bytes: number } | null {
  let best: { node: string; bytes: number } | null = null;
  for (const x of f.input.members) {
    if (x.name === m.name || !f.walCounted.has(x.name)) continue;
    const o = x.observation;
    if (!o || o.status !== 'ok' || !isFresh(o, f.nowMs, f.config)) continue;
    const bytes = lsnBytes(walEnd(x), candidateLsn);
    if (bytes !== null && bytes > 0 && (!best || bytes > best.bytes)) best = { node: x.name, bytes };
  }
  return best;
}

export function evaluateCandidate(f: TEvaluationFrame, m: TMemberInput, shared: TCheck[]): Omit<TCandidateVerdict, 'rank'> {
  const { input, nowMs, config, policy } = f;
  const pos = positions(m);
  const others = input.members.filter((x) => x.name !== m.name);
  const { loss: dataLoss, syncNotProven } = explainDataLoss({
    now: nowMs,
    futureToleranceSeconds: config.futureToleranceSeconds,
    candidate: { name: m.name, receiveLsn: receivedLsn(pos), replayLsn: pos?.replayLsn ?? null, lastReplayAt: pos?.lastReplayAt ?? null, observedAt: pos?.observedAt ?? null },
    primary: f.primaryKnowledge,
    // Every member's WAL end, the old primary's included (it may have come back as a replica).
    memberWalEnds: others.filter((x) => f.walCounted.has(x.name)).map(walEnd),
    peers: others
      .filter((x) => x.name !== f.view.primaryNode)
      .map((x) => {
        const why = notFresh(f, x);
        return { name: x.name, fresh: why === null, walEnd: walEnd(x), ...(why ? { notFresh: why } : {}) };
      }),
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
  if (dataLoss.basis === 'proven-final' && f.view.primaryNode) checks.push(reasons.lossProven(f.view.primaryNode, m.name, dataLoss));
  if (f.finalPositionRejected && f.view.primaryNode) checks.push(reasons.finalPositionNotTrusted(f.view.primaryNode, f.finalPositionRejected));
  if (syncNotProven) checks.push(reasons.syncNotProven(m.name, syncNotProven));
  // A reachable member holds WAL the candidate lacks: never SAFE (two operators may still choose it).
  const ahead = aheadOf(f, m, dataLoss.candidateLsn);
  if (ahead) checks.push(reasons.candidateBehindReplica(m.name, ahead.node, ahead.bytes));

  // Cross-site stance of every context.
  if (crossSite) {
    const notAssumed = input.contexts.filter((c) => c.crossSite === 'not-assumed');
    if (notAssumed.length > 0) checks.push(reasons.crossSiteNotAllowed(m.name, m.site, notAssumed.map((c) => c.slug)));
    for (const c of input.contexts) {
      if (c.crossSite === 'not-assumed') continue;
      // A declared cross-site sync skips the accepted window only while the observed state proves it.
      if (c.replication.crossSite === 'sync' && dataLoss.windowCoveredBySync) continue;
      const accepted = c.acceptedCrossSiteDataLossSeconds ?? null;
      if (accepted === null || worst === null || worst > accepted) checks.push(reasons.crossSiteLossNotAccepted(c.slug, worst, accepted));
      else checks.push(reasons.crossSiteLossAccepted(c.slug, worst, accepted));
    }
  }

  checks.sort((a, b) => effectOrder[a.effect] - effectOrder[b.effect]);
  const verdict = verdictOf(checks);
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
    salvage: planSalvage(f, m, dataLoss),
  };
}
