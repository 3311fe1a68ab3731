// Cluster-level view: who is primary, is it healthy, is there a split brain, what to fence.
import type { TClusterHistory, TClusterState, TMemberInput, TMemberObservation, TSafetyConfig, TSafetyInput } from './types';
import { lsnValue, toMs } from '@/lib/pg';
import { claimsPrimary, isFresh, repointFork, resolveConfig, secondsSince } from './helpers';

export interface TClusterView {
  state: TClusterState;
  /** The primary Vakt judges against (the expected one, or the only member claiming primary). */
  primaryNode: string | null;
  primaryHealthy: boolean;
  /** Fresh members that answered as a writable primary. */
  claimants: string[];
  /** Human-readable evidence that replicas still receive WAL from an unreachable primary. */
  streamingEvidence: string[];
  fenceTarget: string | null;
  alarms: Array<{ code: string; message: string }>;
}

export interface TDeriveStateInput {
  members: TMemberInput[];
  history: TClusterHistory;
  clusterEpoch: number;
  nowMs: number;
  config: TSafetyConfig;
}

/**
 * A claimant that history says was replaced: the node the last promotion replaced, any earlier primary a
 * promotion replaced (history.replacedPrimaries: a known loser by epoch and timeline), or an agent with
 * an older epoch.
 */
function isSuperseded(m: TMemberInput, input: TDeriveStateInput): boolean {
  if (m.name === input.history.expectedPrimary?.node) return false;
  // the candidate of the switchover that stopped the primary, answering with that switchover's epoch (the
  // cluster's): promoted by it, even if an earlier promotion replaced it (a switchover back)
  const s = input.history.stoppedPrimary;
  if (s && m.name === s.candidate && s.epoch === input.clusterEpoch && m.observation?.fencing?.epoch === s.epoch) return false;
  if (m.name === input.history.previousPromotion?.fromNode) return true;
  if ((input.history.replacedPrimaries ?? []).some((r) => r.node === m.name)) return true;
  const epoch = m.observation?.fencing?.epoch;
  return epoch !== undefined && epoch < input.clusterEpoch;
}

/**
 * The replaced primary is back as an ordinary replica of the current one (a planned switchover, or a
 * rejoin): it answers as an unfenced replica on the primary's timeline, and the primary itself lists it
 * as streaming (pg_stat_replication, or Patroni's replication list). Anything less keeps the
 * OLD_PRIMARY_RETURNED alarm (an unmapped WAL sender or an unknown timeline never counts).
 */
function isRejoinedReplica(m: TMemberInput, primary: TMemberInput | undefined): boolean {
  const o = m.observation;
  const po = primary?.observation;
  if (!o || !po || o.status !== 'ok' || o.role !== 'replica' || o.fencing?.fenced) return false;
  if (po.status !== 'ok' || po.role !== 'primary' || o.timeline == null || o.timeline !== po.timeline) return false;
  return (po.replication ?? []).some((r) => r.applicationName === m.name && r.state === 'streaming') || (po.patroni?.streaming ?? []).includes(m.name);
}

/**
 * A claim of the primary the latest planned switchover stopped that predates the stop: observed before
 * the stop was proven (both times Vakt's database clock: the poller stamps observedAt with it, the stop
 * step is the database's now()), on the timeline the stop recorded, with no WAL past the proven final
 * position and no epoch as new as the stop's fence. It is not evidence that the node writes now. Fails
 * closed: an observation at or after the stop, one past the final position (it wrote after the stop,
 * whatever any clock says), on another timeline, without a position, or carrying the stop's epoch (the
 * fence was already there) is a claim like any other.
 */
function predatesStop(m: TMemberInput, input: TDeriveStateInput): boolean {
  const s = input.history.stoppedPrimary;
  const o = m.observation;
  if (!s || !o || m.name !== s.node) return false;
  const observed = toMs(o.observedAt);
  const stopped = toMs(s.stoppedAt);
  const at = lsnValue(o.currentLsn);
  const final = lsnValue(s.finalLsn);
  if (observed === null || stopped === null || at === null || final === null) return false;
  if (observed >= stopped || at > final) return false;
  if (s.timeline !== null && o.timeline !== s.timeline) return false;
  return (o.fencing?.epoch ?? -1) < s.epoch;
}

/** Order split-brain claimants: the one to keep first (expected primary, then higher epoch, then newer timeline). */
function keepOrder(a: TMemberInput, b: TMemberInput, expected: string | undefined): number {
  const ea = a.observation?.fencing?.epoch ?? -1;
  const eb = b.observation?.fencing?.epoch ?? -1;
  if (ea !== eb) return eb - ea;
  const ta = a.observation?.timeline ?? -1;
  const tb = b.observation?.timeline ?? -1;
  if (ta !== tb) return tb - ta;
  return (b.name === expected ? 1 : 0) - (a.name === expected ? 1 : 0);
}

const PATRONI_LEADER_ROLES = ['leader', 'master', 'primary', 'standby_leader'];

/**
 * Replicas that still stream from (or very recently heard from) a primary Vakt cannot reach; for
 * Patroni also any member whose /cluster lists that leader with PostgreSQL running or streaming.
 */
/** The WAL receiver heard from its sender within the streaming-evidence window (a future time counts as now: fail closed). */
function receivedRecently(wr: NonNullable<TMemberObservation['walReceiver']>, input: TDeriveStateInput): boolean {
  const ms = toMs(wr.lastMsgReceiptTime ?? null);
  return ms !== null && Math.max(0, (input.nowMs - ms) / 1000) <= input.config.streamingEvidenceSeconds;
}

export function primaryStreamingEvidence(input: TDeriveStateInput, primaryNode: string): string[] {
  const out: string[] = [];
  for (const m of input.members) {
    const o = m.observation;
    if (!o || !isFresh(o, input.nowMs, input.config)) continue;
    // Patroni: the Vakt agent beside a member answered in this poll (even when that member's Patroni did not)
    const fa = o.fenceAgent;
    if (fa?.answered && m.name === primaryNode && fa.postgresReachable && fa.role === 'primary') {
      out.push(`the Vakt agent beside ${m.name} reports its PostgreSQL running as a writable primary`);
    }
    if (m.name === primaryNode) continue;
    if (fa?.answered && fa.walReceiver && (fa.walReceiver.status === 'streaming' || receivedRecently(fa.walReceiver, input))) {
      out.push(`the Vakt agent beside ${m.name} reports its WAL receiver ${fa.walReceiver.status ?? 'active'}${fa.walReceiver.senderNode ? ` from ${fa.walReceiver.senderNode}` : ' (sender not mapped to a member: counted as the old leader)'}`);
    }
    if (o.status === 'unknown') continue;
    // Patroni: a member whose /cluster lists the old leader as leader with PostgreSQL running or streaming
    // (the DCS member key its Patroni last wrote: stale by at most a TTL; fail closed).
    const listed = o.patroni?.members.find((x) => x.name === primaryNode);
    if (listed && PATRONI_LEADER_ROLES.includes(listed.role ?? '') && ['running', 'streaming'].includes(listed.state ?? '')) {
      out.push(`${m.name}'s Patroni lists it as ${listed.role} with PostgreSQL ${listed.state}`);
    }
    if (o.status !== 'ok' || !o.walReceiver) continue;
    const wr = o.walReceiver;
    if (wr.senderNode && wr.senderNode !== primaryNode) continue; // cascading from another replica
    // The receipt time is the agent's clock: one in the future counts as "just now" (evidence that the
    // primary lives is never discarded for a clock fault; that direction fails closed).
    const receiptMs = toMs(wr.lastMsgReceiptTime ?? null);
    const receiptAge = receiptMs === null ? null : Math.max(0, (input.nowMs - receiptMs) / 1000);
    if (wr.status === 'streaming') {
      if (o.patroni) {
        out.push(`${m.name}'s Patroni says it streams WAL ${wr.senderNode ? `from ${wr.senderNode}` : 'from a leader it does not name'}`);
        continue;
      }
      out.push(`${m.name} still streams WAL from it${receiptAge === null ? '' : ` (last message ${Math.round(receiptAge)} s ago)`}`);
    } else if (receiptAge !== null && receiptAge <= input.config.streamingEvidenceSeconds) {
      out.push(`${m.name} received WAL from it ${Math.round(receiptAge)} s ago`);
    }
  }
  return out;
}

export function deriveClusterState(input: TDeriveStateInput): TClusterView {
  const { members, history, nowMs, config } = input;
  const alarms: TClusterView['alarms'] = [];
  const expected = history.expectedPrimary?.node;
  const answered = members.filter((m) => claimsPrimary(m, nowMs, config));
  // a claim from before the switchover's stop is no writer now: never a split brain (it stays the primary
  // the engine judges against only while nobody else claims, until a fresh observation replaces it)
  const predating = answered.filter((m) => predatesStop(m, input));
  const claimants = answered.filter((m) => !predating.includes(m));
  const superseded = claimants.filter((m) => isSuperseded(m, input));
  const anyFresh = members.some((m) => isFresh(m.observation, nowMs, config));
  const returned = history.previousPromotion?.fromNode
    ? members.find((m) => m.name === history.previousPromotion!.fromNode && isFresh(m.observation, nowMs, config))
    : undefined;
  if (returned && returned.name !== expected && !predating.includes(returned) && !isRejoinedReplica(returned, members.find((m) => m.name === expected))) {
    const o = returned.observation!;
    alarms.push({
      code: 'OLD_PRIMARY_RETURNED',
      message: `${returned.name}, the primary replaced at epoch ${history.previousPromotion!.epoch}, is back (${o.status}, role ${o.role}${o.status === 'unknown' ? '' : o.fencing?.fenced ? ', fenced' : ', not fenced'}).`,
    });
  }

  // Two writers, or one writer that history says was replaced: split brain.
  if (claimants.length >= 2 || superseded.length > 0) {
    const sorted = [...claimants].sort((a, b) => keepOrder(a, b, expected));
    let keep: string | null = sorted[0]?.name ?? null;
    let fenceTarget: string | null = null;
    if (superseded.length > 0) {
      keep = claimants.find((m) => !superseded.includes(m))?.name ?? expected ?? null;
      fenceTarget = [...superseded].sort((a, b) => keepOrder(b, a, expected))[0].name;
    } else if (sorted.length === 2 && keepOrder(sorted[0], sorted[1], undefined) !== 0) {
      // Only an older epoch or timeline marks the loser; with three writers or a tie, an operator decides.
      fenceTarget = sorted[1].name;
    }
    const names = claimants.map((m) => `${m.name} (epoch ${m.observation?.fencing?.epoch ?? '?'}, timeline ${m.observation?.timeline ?? '?'})`);
    alarms.push({
      code: 'SPLIT_BRAIN',
      message:
        claimants.length >= 2
          ? `Split brain: ${names.join(' and ')} both accept writes. ${fenceTarget ? `Fence ${fenceTarget} (older epoch or timeline).` : 'Vakt cannot tell which one to keep: an operator must decide.'}`
          : `Split brain: ${names[0]} accepts writes although it was replaced (cluster epoch ${input.clusterEpoch}). Fence ${fenceTarget}.`,
    });
    return { state: 'SPLIT_BRAIN', primaryNode: keep, primaryHealthy: false, claimants: claimants.map((m) => m.name), streamingEvidence: [], fenceTarget, alarms };
  }

  if (claimants.length === 1 || predating.length > 0) {
    const p = claimants[0] ?? predating[0];
    const s = history.stoppedPrimary!;
    for (const m of predating) {
      alarms.push({
        code: 'SWITCHOVER_IN_TRANSITION',
        message: `${m.name} was stopped by the planned switchover at ${new Date(toMs(s.stoppedAt)!).toISOString()} (final WAL position ${s.finalLsn}, epoch ${s.epoch}); its latest observation (${new Date(toMs(m.observation!.observedAt)!).toISOString()}, WAL at ${m.observation!.currentLsn}) predates the stop: not a second writer. Waiting for a fresh observation of it.`,
      });
    }
    if (expected && p.name !== expected) {
      alarms.push({ code: 'PRIMARY_CHANGED', message: `${p.name} is now the primary; Vakt expected ${expected}. Check who promoted it.` });
    }
    const others = members.filter((m) => m !== p);
    // Split-brain signals short of two primaries: a member of another database system, or a replica on
    // a timeline the primary is not on (it diverged and cannot follow). Each makes the cluster DEGRADED.
    const pObs = p.observation!;
    for (const m of others) {
      const o = m.observation;
      if (!o || o.status !== 'ok' || !isFresh(o, nowMs, config)) continue;
      if (o.systemIdentifier && pObs.systemIdentifier && o.systemIdentifier !== pObs.systemIdentifier) {
        alarms.push({ code: 'SYSTEM_IDENTIFIER_MISMATCH', message: `${m.name} belongs to another database system (system identifier ${o.systemIdentifier}, the primary's is ${pObs.systemIdentifier}): it is not a replica of ${p.name}.` });
      } else if (o.role === 'replica' && o.timeline != null && pObs.timeline != null && o.timeline > pObs.timeline) {
        alarms.push({ code: 'TIMELINE_DIVERGED', message: `${m.name} is on timeline ${o.timeline}, ahead of the primary ${p.name} (timeline ${pObs.timeline}): their histories diverged.` });
      } else if (o.role === 'replica' && !o.fencing?.fenced && o.timeline != null && pObs.timeline != null && o.timeline < pObs.timeline) {
        // Left behind on an older timeline: it replicates from nobody. Not diverged when it stopped at or
        // before the fork point of the last promotion (repoint it), else (or fork unknown) diverged.
        const fork = repointFork(m, history, pObs.timeline);
        alarms.push(
          fork
            ? { code: 'NEEDS_REPOINT', message: `${m.name} is still on timeline ${fork.previousTimeline} (WAL up to ${fork.receivedLsn}, not past the fork at ${fork.forkLsn}) and replicates from nobody: point it at ${p.name}.` }
            : { code: 'TIMELINE_DIVERGED', message: `${m.name} is on timeline ${o.timeline}, behind the primary ${p.name} (timeline ${pObs.timeline}), and may hold WAL past the point where the primary's timeline forked: rebuild it.` },
        );
      }
    }
    const allGood =
      alarms.every((a) => a.code === 'PRIMARY_CHANGED') &&
      others.every((m) => m.observation?.status === 'ok' && m.observation.role === 'replica' && isFresh(m.observation, nowMs, config) && !m.observation.fencing?.fenced);
    return { state: allGood ? 'HEALTHY' : 'DEGRADED', primaryNode: p.name, primaryHealthy: true, claimants: [p.name], streamingEvidence: [], fenceTarget: null, alarms };
  }

  // Nobody answers as primary.
  const primaryNode = expected ?? null;
  if (!anyFresh) {
    alarms.push({ code: 'NO_FRESH_OBSERVATIONS', message: `No member has been observed in the last ${config.staleAfterSeconds} s; Vakt cannot tell the state of this cluster.` });
    return { state: 'UNKNOWN', primaryNode, primaryHealthy: false, claimants: [], streamingEvidence: [], fenceTarget: null, alarms };
  }
  const unobserved = members.filter((m) => !m.observation).map((m) => m.name);
  if (!primaryNode && unobserved.length > 0) {
    // a cluster just registered: the replica answered first; the primary may simply not have been polled yet
    alarms.push({ code: 'MEMBERS_NOT_OBSERVED', message: `No member answers as primary and ${unobserved.join(', ')} ${unobserved.length === 1 ? 'has' : 'have'} not been observed yet: Vakt cannot tell the state of this cluster.` });
    return { state: 'UNKNOWN', primaryNode: null, primaryHealthy: false, claimants: [], streamingEvidence: [], fenceTarget: null, alarms };
  }
  if (!primaryNode) {
    alarms.push({ code: 'NO_PRIMARY', message: 'No member answers as primary and Vakt has no record of which node was primary.' });
    return { state: 'PRIMARY_DOWN', primaryNode: null, primaryHealthy: false, claimants: [], streamingEvidence: [], fenceTarget: null, alarms };
  }
  const evidence = primaryStreamingEvidence(input, primaryNode);
  if (evidence.length > 0) {
    alarms.push({ code: 'PRIMARY_STILL_STREAMING', message: `Vakt cannot reach the primary ${primaryNode}, but ${evidence.join('; ')}: it is probably alive.` });
    return { state: 'DEGRADED', primaryNode, primaryHealthy: false, claimants: [], streamingEvidence: evidence, fenceTarget: null, alarms };
  }
  const downFor = secondsSince(history.primaryDownSince, nowMs, config);
  alarms.push({
    code: 'PRIMARY_DOWN',
    message: `The primary ${primaryNode} is not answering as primary${downFor === null ? '' : ` (down for ${Math.round(downFor)} s)`}.`,
  });
  return { state: 'PRIMARY_DOWN', primaryNode, primaryHealthy: false, claimants: [], streamingEvidence: [], fenceTarget: primaryNode, alarms };
}

/**
 * The cluster view of a full engine input: the one cluster-state derivation (evaluateCluster uses it;
 * reads, pages and metrics call it directly when they need the state without candidate verdicts).
 */
export function deriveClusterStateOf(input: TSafetyInput): TClusterView {
  const nowMs = toMs(input.now);
  if (nowMs === null) throw new Error('deriveClusterStateOf: now is not a valid time');
  return deriveClusterState({ members: input.members, history: input.history, clusterEpoch: input.cluster.epoch, nowMs, config: resolveConfig(input.config) });
}
