// The verdict engine: (cluster, members' observations, history, contexts, now) -> safety report.
// Pure: everything the verdict depends on is an argument. Fail closed: when in doubt, BLOCKED or GATED.
import type { TMemberInput, TMemberObservation, TPrimarySummary, TProvenFinalPosition, TSafetyInput, TSafetyReport } from './types';
import { deriveClusterStateOf, type TClusterView } from './derive-cluster-state';
import { strictestPolicy } from './strictest-policy';
import { clusterChecks, evaluateCandidate, type TEvaluationFrame } from './evaluate-candidate';
import { rankCandidates } from './rank-candidates';
import { evaluateSwitchover } from './evaluate-switchover';
import { lsnBytes, maxLsn, toIso, toMs } from '@/lib/pg';
import { answeredNow, isFresh, repointFork, resolveConfig, secondsSince, walEnd } from './helpers';

export function evaluateCluster(input: TSafetyInput): TSafetyReport {
  const config = resolveConfig(input.config);
  const nowMs = toMs(input.now);
  if (nowMs === null) throw new Error('evaluateCluster: now is not a valid time');
  const view = deriveClusterStateOf(input);
  const frame = buildFrame(input, view, nowMs, config);
  const shared = clusterChecks(frame);
  const candidates = rankCandidates(
    input.members.filter((m) => m.name !== view.primaryNode).map((m) => evaluateCandidate(frame, m, shared)),
  );
  return {
    cluster: input.cluster.name,
    state: view.state,
    epoch: input.cluster.epoch,
    evaluatedAt: new Date(nowMs).toISOString(),
    primary: summarizePrimary(frame),
    alarms: view.alarms,
    candidates,
    fenceTarget: view.fenceTarget,
    ...rejoinLists(frame),
    switchover: evaluateSwitchover(frame),
  };
}

function buildFrame(input: TSafetyInput, view: TClusterView, nowMs: number, config: TEvaluationFrame['config']): TEvaluationFrame {
  const primaryMember = input.members.find((m) => m.name === view.primaryNode) ?? null;
  const hist = input.history.expectedPrimary?.node === view.primaryNode ? input.history.expectedPrimary : null;
  // While the primary answers, judge against what it says now; otherwise against its last sighting AS
  // PRIMARY. An old primary that came back read-only (fenced, standby.signal) answers as a replica:
  // that answer says nothing about what it wrote as primary, its replication or its settings.
  const lastGood = primaryMember?.lastGood ?? null;
  const ref = view.primaryHealthy ? primaryMember?.observation ?? null : lastGood?.role === 'primary' ? lastGood : null;
  const expectedTimeline = view.primaryHealthy ? ref?.timeline ?? null : hist?.timeline ?? ref?.timeline ?? null;
  const expectedSystemIdentifier =
    ref?.systemIdentifier ?? lastGood?.systemIdentifier ?? primaryMember?.observation?.systemIdentifier ?? commonSystemIdentifier(input.members);

  // Only sightings as primary bound the unknown window (a replica answer must not shrink it).
  const obs = primaryMember?.observation ?? null;
  const seenOk = [
    toMs(hist?.lastSeenOkAt),
    lastGood?.role === 'primary' ? toMs(lastGood.observedAt) : null,
    obs?.status === 'ok' && obs.role === 'primary' ? toMs(obs.observedAt) : null,
  ].filter((v): v is number => v !== null);
  const lastLsn = maxLsn([ref?.currentLsn, hist?.lastLsn]);

  // Whose WAL end counts as a position a candidate must reach: every member of this database system
  // (system identifier equal or unknown), except one on a known timeline older than the expected one
  // (it stopped before the current timeline forked, or diverged from it: its WAL is not the primary's).
  // A member on a newer or unknown timeline counts (fail closed).
  const walCounted = new Set(
    input.members
      .filter((m) => {
        const o = m.observation?.status === 'ok' ? m.observation : m.lastGood ?? m.observation;
        if (!o) return true;
        if (expectedSystemIdentifier !== null && o.systemIdentifier !== null && o.systemIdentifier !== expectedSystemIdentifier) return false;
        return expectedTimeline === null || o.timeline === null || o.timeline >= expectedTimeline;
      })
      .map((m) => m.name),
  );

  const final = view.primaryNode && !view.primaryHealthy ? trustedFinalPosition(input, obs, { nowMs, config, expectedTimeline, lastLsn, walCounted, primary: view.primaryNode }) : null;
  const primaryKnowledge = view.primaryNode
    ? {
        node: view.primaryNode,
        lastLsn,
        lastSeenOkAt: seenOk.length > 0 ? Math.max(...seenOk) : null,
        replication: ref?.replication ?? [],
        synchronousCommit: ref?.synchronousCommit ?? null,
        synchronousStandbyNames: ref?.synchronousStandbyNames ?? null,
        synchronousCommitOverrides: ref?.synchronousCommitOverrides ?? null,
        finalPosition: final?.trusted ?? null,
        stoppedBy: input.history.primaryDownSince,
      }
    : null;

  return {
    input,
    config,
    nowMs,
    view,
    policy: strictestPolicy(input.contexts),
    primaryMember,
    primarySite: input.primarySite ?? primaryMember?.site ?? null,
    expectedTimeline,
    expectedSystemIdentifier,
    primaryKnowledge,
    walCounted,
    finalPositionRejected: final?.rejected ?? null,
  };
}

/**
 * The stopped primary's final WAL position, when it is proof: reported in an answer now (fresh, clock
 * trusted, status down: the agent answers, PostgreSQL does not, no postmaster left), on the timeline
 * the primary was on, and at or past every position Vakt knows (its last LSN as primary and every
 * counted member's WAL end: nothing can hold WAL the primary never wrote). Otherwise not used, and why.
 */
function trustedFinalPosition(
  input: TSafetyInput,
  obs: TMemberObservation | null,
  o: { nowMs: number; config: TEvaluationFrame['config']; expectedTimeline: number | null; lastLsn: string | null; walCounted: Set<string>; primary: string },
): { trusted: TProvenFinalPosition | null; rejected: string | null } | null {
  const fp = obs?.finalPosition ?? null;
  if (!fp || !obs || obs.status !== 'down' || !answeredNow(obs, o.nowMs, o.config, { down: true })) return null;
  if (input.cluster.kind !== 'vakt-agent') return { trusted: null, rejected: 'only a Vakt agent beside the node proves a final position' };
  if (fp.timeline !== null && o.expectedTimeline !== null && fp.timeline !== o.expectedTimeline) {
    return { trusted: null, rejected: `it is on timeline ${fp.timeline}, the primary was on timeline ${o.expectedTimeline}` };
  }
  const behind = [{ name: `${o.primary}'s last position as primary`, lsn: o.lastLsn }, ...input.members.filter((m) => m.name !== o.primary && o.walCounted.has(m.name)).map((m) => ({ name: m.name, lsn: walEnd(m) }))].find(
    (x) => (lsnBytes(x.lsn, fp.lsn) ?? 0) > 0,
  );
  if (behind) return { trusted: null, rejected: `${fp.lsn} is behind ${behind.name} (${behind.lsn})` };
  return { trusted: fp, rejected: null };
}

/** The system identifier most members report (used only when the primary never reported one). */
function commonSystemIdentifier(members: TMemberInput[]): string | null {
  const counts = new Map<string, number>();
  for (const m of members) {
    const id = m.observation?.systemIdentifier ?? m.lastGood?.systemIdentifier;
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  // A tie means Vakt cannot tell which database is the cluster's.
  if (sorted.length === 0 || (sorted.length > 1 && sorted[0][1] === sorted[1][1])) return null;
  return sorted[0][0];
}

function summarizePrimary(f: TEvaluationFrame): TPrimarySummary | null {
  const node = f.view.primaryNode;
  if (!node) return null;
  const m = f.primaryMember;
  const o = m?.observation ?? null;
  const status: TPrimarySummary['status'] = !o ? 'not-observed' : !isFresh(o, f.nowMs, f.config) ? 'stale' : o.status;
  const lastSeenOkAt = f.primaryKnowledge?.lastSeenOkAt ?? null;
  return {
    node,
    site: m?.site ?? null,
    status,
    role: o?.role ?? null,
    observedAt: toIso(o?.observedAt),
    ageSeconds: secondsSince(o?.observedAt, f.nowMs, f.config),
    lastSeenOkAt: toIso(lastSeenOkAt),
    downForSeconds: f.view.primaryHealthy ? null : secondsSince(f.input.history.primaryDownSince, f.nowMs, f.config),
    timeline: o?.timeline ?? m?.lastGood?.timeline ?? null,
    lsn: o?.currentLsn ?? f.primaryKnowledge?.lastLsn ?? null,
    // Only an answer now says whether it is fenced; an unknown or stale member's flag is history.
    fenced: answeredNow(o, f.nowMs, f.config, { down: true }) ? o?.fencing?.fenced ?? null : null,
  };
}

/**
 * Members that must be rebuilt from the current primary before they may serve again, and replicas
 * the last promotion left on the old timeline before its fork point, which only need repointing.
 */
function rejoinLists(f: TEvaluationFrame): Pick<TSafetyReport, 'needsRebuild' | 'needsRepoint'> {
  const out: TSafetyReport['needsRebuild'] = [];
  const repoint: TSafetyReport['needsRepoint'] = [];
  for (const m of f.input.members) {
    if (m.name === f.view.primaryNode || f.view.claimants.includes(m.name)) continue;
    const o = m.observation;
    if (!o || o.status === 'unknown' || !isFresh(o, f.nowMs, f.config)) continue;
    const returned = f.input.history.previousPromotion?.fromNode === m.name ? ' It is the primary replaced by the last promotion.' : '';
    if (o.fencing?.fenced) {
      out.push({ node: m.name, reason: `Fenced at epoch ${o.fencing.epoch}; rebuild it from the current primary (pg_rewind or a new base backup) before it rejoins.${returned}` });
    } else if (o.status === 'ok' && o.timeline !== null && f.expectedTimeline !== null && o.timeline !== f.expectedTimeline) {
      const fork = repointFork(m, f.input.history, f.expectedTimeline);
      if (fork) {
        repoint.push({
          node: m.name,
          reason: `On timeline ${fork.previousTimeline} with WAL up to ${fork.receivedLsn}, not past ${fork.forkLsn} where timeline ${fork.newTimeline} forked: it has not diverged. Point primary_conninfo at ${f.view.primaryNode ?? 'the primary'}; it then follows timeline ${fork.newTimeline}.`,
        });
      } else {
        out.push({ node: m.name, reason: `On timeline ${o.timeline} while the primary is on timeline ${f.expectedTimeline}; its history has diverged, rebuild it.${returned}` });
      }
    }
  }
  return { needsRebuild: out, needsRepoint: repoint };
}
