// Planned switchover verdicts (issue 15, docs/safety.md "Planned switchover"): the primary is healthy
// and is stopped cleanly by the executor, which then waits until the candidate holds the primary's final
// WAL position before promoting it, so no acknowledged write can be lost: there are no loss reasons.
// What is judged instead: the primary answers now, the candidate is a fresh, unfenced replica of the same
// database system on the primary's timeline, streaming from it, caught up within a bound, and reachable
// for the old primary to follow; plus the declarations' approvals (manual failover stays manual).
// Pure, like every engine file: the frame is the one evaluateCluster built.
import type { TMemberInput, TSwitchoverCandidate, TSwitchoverReport, TVerdict } from './types';
import { candidateChecks, declaredPolicyChecks, verdictOf, type TEvaluationFrame } from './evaluate-candidate';
import { reasons, type TCheck } from './reasons';
import { answeredNow, receivedLsn, secondsSince } from './helpers';
import { lsnBytes } from '@/lib/pg';

export function evaluateSwitchover(f: TEvaluationFrame): TSwitchoverReport {
  const { view, input } = f;
  const primary = view.primaryHealthy ? view.primaryNode : null;
  const shared = sharedChecks(f, primary);
  const candidates = input.members
    .filter((m) => m.name !== view.primaryNode)
    .map((m) => switchoverCandidate(f, m, primary, shared))
    .sort((a, b) => rank[a.verdict] - rank[b.verdict] || (a.lagBytes ?? Infinity) - (b.lagBytes ?? Infinity) || (a.node < b.node ? -1 : 1));
  return { primary, maxLagBytes: f.config.switchoverMaxLagBytes, candidates };
}

/** The kinds with a planned switchover: Vakt agents (stop, catch-up, promote, follow) and Patroni (its POST /switchover). */
const SWITCHOVER_KINDS: readonly string[] = ['vakt-agent', 'patroni'];

const rank: Record<TVerdict, number> = { SAFE: 0, GATED: 1, MANUAL: 2, BLOCKED: 3 };

function sharedChecks(f: TEvaluationFrame, primary: string | null): TCheck[] {
  const { view, input, nowMs, config, policy } = f;
  const out: TCheck[] = [];
  if (!SWITCHOVER_KINDS.includes(input.cluster.kind)) out.push(reasons.switchoverUnsupported(input.cluster.kind));
  if (input.history.promoting) out.push(reasons.candidatePromoting(input.history.promoting.node, secondsSince(input.history.promoting.since, nowMs, config)));
  if (view.state === 'SPLIT_BRAIN') out.push(reasons.splitBrain(view.claimants));
  // healthy = answers now as an unfenced writable primary, with a clock Vakt trusts
  const po = f.primaryMember?.observation ?? null;
  if (!primary || !answeredNow(po, nowMs, config) || po!.role !== 'primary' || po!.fencing?.fenced) out.push(reasons.switchoverPrimaryNotHealthy(view.primaryNode, view.state));
  out.push(...declaredPolicyChecks(input, policy));
  return out;
}

/**
 * The primary lists the candidate streaming (its agent's pg_stat_replication, or a Patroni leader's
 * /patroni replication list), or the candidate's WAL receiver streams from the primary (a known sender).
 */
function streamsFrom(f: TEvaluationFrame, m: TMemberInput, primary: string): boolean {
  const po = f.primaryMember?.observation;
  const listed = (po?.replication ?? []).some((r) => r.applicationName === m.name && r.state === 'streaming') || (po?.patroni?.streaming ?? []).includes(m.name);
  const wr = m.observation?.walReceiver ?? null;
  return listed || (wr?.status === 'streaming' && wr.senderNode === primary);
}

function switchoverCandidate(f: TEvaluationFrame, m: TMemberInput, primary: string | null, shared: TCheck[]): TSwitchoverCandidate {
  const o = m.observation;
  const checks: TCheck[] = [...shared, ...candidateChecks(f, m)];
  const primaryLsn = primary ? f.primaryMember?.observation?.currentLsn ?? null : null;
  const ok = o?.status === 'ok';
  const lagBytes = ok ? nonNegative(lsnBytes(primaryLsn, receivedLsn(o))) : null;
  const replayLagBytes = ok ? nonNegative(lsnBytes(primaryLsn, o!.replayLsn)) : null;
  if (primary && ok) {
    const streaming = streamsFrom(f, m, primary);
    if (!streaming) checks.push(reasons.candidateNotStreaming(m.name, primary, o!.walReceiver?.status ?? null));
    const max = f.config.switchoverMaxLagBytes;
    if (lagBytes === null || replayLagBytes === null || lagBytes > max || replayLagBytes > max) checks.push(reasons.candidateLagging(m.name, lagBytes, replayLagBytes, max));
    // Patroni re-points the old leader itself: no replication address from a Vakt agent is needed
    if (!o!.replicationAddress && f.input.cluster.kind !== 'patroni') checks.push(reasons.candidateNoReplicationAddress(m.name));
    else if (streaming && lagBytes !== null && replayLagBytes !== null) checks.push(reasons.switchoverReady(m.name, primary, lagBytes, replayLagBytes));
  }
  const crossSite = f.primarySite === null || m.site !== f.primarySite;
  if (crossSite) {
    const notAssumed = f.input.contexts.filter((c) => c.crossSite === 'not-assumed');
    if (notAssumed.length) checks.push(reasons.crossSiteNotAllowed(m.name, m.site, notAssumed.map((c) => c.slug)));
  }
  const verdict = verdictOf(checks);
  const approvalsRequired = Math.max(f.config.approvalsDefault, f.policy.approvals, ...checks.filter((c) => c.effect === 'gate').map((c) => c.approvals ?? 1), 1);
  return {
    node: m.name,
    site: m.site,
    crossSite,
    verdict,
    approvalsRequired,
    reasons: checks.map(({ code, effect, message }) => ({ code, effect, message })),
    lagBytes,
    replayLagBytes,
    timeline: o?.timeline ?? null,
  };
}

/** A replica a little ahead of the primary's last poll is 0 behind (the two answers are not simultaneous). */
const nonNegative = (n: number | null) => (n === null ? null : Math.max(0, n));
