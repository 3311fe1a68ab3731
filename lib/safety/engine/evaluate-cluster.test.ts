import { describe, expect, it } from 'vitest';
import { evaluateCluster } from './evaluate-cluster';
import type { TDataLoss, TFenceAgentFacts, TMemberInput, TMemberObservation, TSafetyInput, TVerdict } from './types';
import { lsnValue, toMs } from '@/lib/pg';
import { MiB, NOW, SYS, ago, ctx, lsn, observation, primaryLost, primaryUp, rep, replica, scenario, standbyNames } from '../../../tests/support/safety-fixtures';

// The usual shape: oslo-1 primary, oslo-2 synchronous standby, bergen-1 async standby in another site.
const P = 160 * MiB;
const syncAndAsync = [rep('oslo-2', 'sync', P), rep('bergen-1', 'async', P - 10 * MiB, 2)];
const oslo2 = (p = {}) => replica('oslo-2', 'oslo', P, p);
const bergen1 = (p = {}) => replica('bergen-1', 'bergen', P - 10 * MiB, p);
const lostPrimary = (opts: Parameters<typeof primaryLost>[4] = {}, replication = syncAndAsync) => primaryLost('oslo-1', 'oslo', P, replication, opts);
// Cross-site only: bergen-1 10 MiB and 2 s behind; primary last seen ok 35 s ago -> worst case 37 s.
const crossOnly = (c: Parameters<typeof ctx>[0]) =>
  scenario({ members: [lostPrimary({}, [rep('bergen-1', 'async', P - 10 * MiB, 2)]), bergen1()], contexts: [ctx(c)] });

// After a promotion: oslo-2 (timeline 2, epoch 2) replaced oslo-1 at epoch 2.
const newPrimary = primaryUp('oslo-2', 'oslo', 200 * MiB, [rep('bergen-1', 'async', 200 * MiB)], { timeline: 2, fencing: { epoch: 2, fenced: false } });
const bergenTl2 = replica('bergen-1', 'bergen', 200 * MiB, { timeline: 2, streaming: true });
const promoted = { previousPromotion: { node: 'oslo-2', fromNode: 'oslo-1', epoch: 2 } };
/** the new primary listing the old one as its streaming (sync) replica */
const listingOld = primaryUp('oslo-2', 'oslo', 200 * MiB, [rep('bergen-1', 'async', 200 * MiB), rep('oslo-1', 'sync', 200 * MiB)], { timeline: 2, fencing: { epoch: 2, fenced: false } });
const oldAsReplica = (fenced: boolean) => returnedOld({ role: 'replica', currentLsn: null, timeline: 2, fencing: { epoch: 2, fenced }, walReceiver: { status: 'streaming', lastMsgReceiptTime: ago(1), flushedLsn: lsn(200 * MiB) } });
// The same promotion with its fork point known: timeline 1 ended at P (160 MiB), timeline 2 began there.
const forked = (forkLsn: string | null = lsn(P)) => ({ previousPromotion: { ...promoted.previousPromotion, forkLsn, previousTimeline: 1, newTimeline: 2 } });
const bergenTl1 = (atBytes: number) => replica('bergen-1', 'bergen', atBytes, { timeline: 1 });
const fencedOld = () => returnedOld({ status: 'down', role: 'unknown', lastOkAt: null, currentLsn: null, fencing: { epoch: 2, fenced: true } });
const returnedOld = (p = {}) => ({ name: 'oslo-1', site: 'oslo', lastGood: null, observation: observation({ role: 'primary', currentLsn: lsn(170 * MiB), fencing: { epoch: 1, fenced: false }, ...p }) });

// Patroni facts a member reports: pause mode and the members its /cluster lists (oslo-2 as a replica by default).
const patroniSays = (paused: boolean, members: Array<{ name: string; role: string | null; state: string | null }> = []) => ({
  paused,
  state: 'running',
  members: [...members, { name: 'oslo-2', role: 'replica', state: 'running' }],
});
// The old Patroni leader whose Patroni answers (fresh) that PostgreSQL there is `state`.
const patroniLeaderDown = (state: string, p: Partial<TMemberObservation> = {}): TMemberInput => {
  const m = lostPrimary({ now: 'down' });
  return { ...m, observation: { ...m.observation!, fencing: null, error: `Patroni reports PostgreSQL ${state}`, patroni: { paused: true, state, members: [] }, ...p } };
};
// A Patroni cluster whose old leader oslo-1 does not answer at all, with oslo-2 as given.
const patroniLeaderGone = (oslo2Obs = {}) => scenario({ members: [lostPrimary({ now: 'unknown' }), oslo2(oslo2Obs)], kind: 'patroni' });
// A paused Patroni cluster whose old leader's Patroni answers that PostgreSQL is `state`; oslo-2 receives no WAL.
const pausedLeaderDown = (state: string, p: Partial<TMemberObservation> = {}, more: Partial<Parameters<typeof scenario>[0]> = {}) =>
  scenario({ members: [patroniLeaderDown(state, p), oslo2({ walReceiver: null, patroni: patroniSays(true) })], kind: 'patroni', ...more });
// The Vakt agent registered beside a Patroni member, as it answered in this poll (PostgreSQL down, not fenced, by default).
const agentBeside = (p: Partial<TFenceAgentFacts> = {}): TFenceAgentFacts => ({
  answered: true,
  error: 'PostgreSQL not reachable',
  postgresReachable: false,
  role: 'unknown',
  fencing: { epoch: 1, fenced: false },
  walReceiver: null,
  ...p,
});
// A paused Patroni cluster whose old leader's Patroni does not answer; the agent beside it answered `fa` (observation `p`).
const pausedLeaderGoneWithAgent = (fa: TFenceAgentFacts, oslo2Obs: Partial<TMemberObservation> = {}, p: Partial<TMemberObservation> = {}) => {
  const m = lostPrimary({ now: 'unknown' });
  return scenario({ members: [{ ...m, observation: { ...m.observation!, fenceAgent: fa, ...p } }, oslo2({ walReceiver: null, patroni: patroniSays(true), ...oslo2Obs })], kind: 'patroni' });
};
// oslo-2's WAL receiver streams from `senderNode` (null: a sender its Patroni does not name), caught up to P.
const streamsFrom = (senderNode: string | null) => ({ status: 'streaming', senderNode, flushedLsn: lsn(P), lastMsgReceiptTime: null });

interface Row {
  name: string;
  input: TSafetyInput;
  state: string;
  verdicts: Record<string, TVerdict>;
  codes?: Record<string, string[]>;
  absent?: Record<string, string[]>;
  approvals?: Record<string, number>;
  attestation?: Record<string, boolean>;
  fenceTarget?: string | null;
  alarms?: string[];
  absentAlarms?: string[];
  needsRebuild?: string[];
  needsRepoint?: string[];
  loss?: Record<string, Partial<TDataLoss>>;
  /** Texts each candidate's reasons must contain ("CODE: message"). */
  messages?: Record<string, string[]>;
}

// The old primary is seen streaming to oslo-2: the cluster DEGRADED, oslo-2 BLOCKED (PRIMARY_STILL_STREAMING).
const stillStreaming: Pick<Row, 'state' | 'verdicts' | 'codes'> = { state: 'DEGRADED', verdicts: { 'oslo-2': 'BLOCKED' }, codes: { 'oslo-2': ['PRIMARY_STILL_STREAMING'] } };
// Nothing proves the old primary stopped: oslo-2 GATED on an attestation (OLD_PRIMARY_NOT_FENCEABLE).
const needsAttestation: Pick<Row, 'state' | 'verdicts' | 'codes' | 'attestation'> = {
  state: 'PRIMARY_DOWN',
  verdicts: { 'oslo-2': 'GATED' },
  codes: { 'oslo-2': ['OLD_PRIMARY_NOT_FENCEABLE'] },
  attestation: { 'oslo-2': true },
};
// Synchronous coverage not proven under RPO-1: oslo-2 GATED (EXCEEDS_RPO, SYNC_NOT_PROVEN).
const rpo1SyncNotProven: Pick<Row, 'state' | 'verdicts' | 'codes'> = { state: 'PRIMARY_DOWN', verdicts: { 'oslo-2': 'GATED' }, codes: { 'oslo-2': ['EXCEEDS_RPO', 'SYNC_NOT_PROVEN'] } };
// Cross-site declared sync that the observed state does not prove: the accepted-window check applies, GATED with 2 approvals.
const crossSyncNotProven = (name: string, input: TSafetyInput): Row => ({
  name,
  input,
  state: 'PRIMARY_DOWN',
  verdicts: { 'bergen-1': 'GATED' },
  codes: { 'bergen-1': ['CROSS_SITE_LOSS_NOT_ACCEPTED', 'SYNC_NOT_PROVEN'] },
  approvals: { 'bergen-1': 2 },
});
// bergen-1 stayed on timeline 1 at `atBytes` after the promotion (fork point `forkLsn`, default P), where it cannot follow the new primary.
const bergenDiverged = (name: string, atBytes: number, forkLsn: string | null | undefined, more: Partial<Row> = {}): Row => ({
  name,
  input: scenario({ members: [newPrimary, bergenTl1(atBytes)], primary: newPrimary, epoch: 2, history: forked(forkLsn) }),
  state: 'DEGRADED',
  verdicts: { 'bergen-1': 'BLOCKED' },
  codes: { 'bergen-1': ['TIMELINE_DIVERGED'] },
  absent: { 'bergen-1': ['NEEDS_REPOINT'] },
  ...more,
  needsRepoint: [],
  needsRebuild: ['bergen-1'],
});
// Cross-site only, the declared stance does not accept the estimated loss: GATED with 2 approvals.
const crossLossNotAccepted = (name: string, c: Parameters<typeof ctx>[0]): Row => ({
  name,
  input: crossOnly(c),
  state: 'PRIMARY_DOWN',
  verdicts: { 'bergen-1': 'GATED' },
  codes: { 'bergen-1': ['CROSS_SITE_LOSS_NOT_ACCEPTED'] },
  approvals: { 'bergen-1': 2 },
});

const rows: Row[] = [
  {
    name: 'healthy cluster: every candidate BLOCKED with PRIMARY_HEALTHY',
    input: scenario({ members: [primaryUp('oslo-1', 'oslo', P, syncAndAsync), oslo2({ streaming: true }), bergen1({ streaming: true })] }),
    state: 'HEALTHY',
    verdicts: { 'oslo-2': 'BLOCKED', 'bergen-1': 'BLOCKED' },
    codes: { 'oslo-2': ['PRIMARY_HEALTHY'], 'bergen-1': ['PRIMARY_HEALTHY'] },
    fenceTarget: null,
  },
  {
    // Stricter under "a candidate behind another reachable replica is never SAFE": bergen-1 was SAFE.
    name: 'automatic mode, everything fine: the caught-up sync standby is SAFE; the async one 10 MiB behind it is GATED (CANDIDATE_BEHIND_REPLICA)',
    input: scenario({ members: [lostPrimary(), oslo2(), bergen1()] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'SAFE', 'bergen-1': 'GATED' },
    codes: { 'oslo-2': ['SYNC_STANDBY_CAUGHT_UP', 'OLD_PRIMARY_FENCEABLE', 'WITHIN_RPO'], 'bergen-1': ['WITHIN_RPO', 'CROSS_SITE_LOSS_ACCEPTED', 'CANDIDATE_BEHIND_REPLICA', 'SYNC_NOT_PROVEN'] },
    approvals: { 'oslo-2': 0, 'bergen-1': 2 },
    fenceTarget: 'oslo-1',
    alarms: ['PRIMARY_DOWN'],
  },
  {
    name: 'a context with only a proposed declaration (none accepted): what would be SAFE is GATED with 2 approvals (DECLARATION_NOT_ACCEPTED)',
    input: scenario({ members: [lostPrimary(), oslo2(), bergen1()], contexts: [ctx({ notAccepted: true })] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'GATED', 'bergen-1': 'GATED' },
    codes: { 'oslo-2': ['DECLARATION_NOT_ACCEPTED', 'SYNC_STANDBY_CAUGHT_UP', 'WITHIN_RPO'], 'bergen-1': ['DECLARATION_NOT_ACCEPTED'] },
    approvals: { 'oslo-2': 2, 'bergen-1': 2 },
  },
  {
    name: 'primary down + caught-up sync replica, operator-approved: GATED, no loss',
    input: scenario({ members: [lostPrimary(), oslo2(), bergen1()], contexts: [ctx({ failover: 'operator-approved', rpoClass: 'RPO-0', rpoBoundSeconds: 0 })] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'GATED', 'bergen-1': 'GATED' },
    codes: { 'oslo-2': ['SYNC_STANDBY_CAUGHT_UP', 'OPERATOR_APPROVAL', 'WITHIN_RPO'], 'bergen-1': ['EXCEEDS_RPO'] },
    absent: { 'oslo-2': ['EXCEEDS_RPO'] },
    approvals: { 'oslo-2': 1, 'bergen-1': 2 },
  },
  {
    name: 'primary down + async replica lagging past the RPO bound: GATED, 2 approvals, EXCEEDS_RPO',
    input: scenario({
      members: [lostPrimary({}, [rep('oslo-2', 'async', 100 * MiB, 90)]), replica('oslo-2', 'oslo', 100 * MiB)],
    }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'GATED' },
    codes: { 'oslo-2': ['EXCEEDS_RPO'] },
    absent: { 'oslo-2': ['SYNC_STANDBY_CAUGHT_UP'] },
    approvals: { 'oslo-2': 2 },
  },
  {
    name: 'primary and sync standby lost together: the async survivor cannot prove RPO-1',
    input: scenario({
      members: [lostPrimary(), oslo2({ status: 'unknown', error: 'timeout' }), bergen1()],
      contexts: [ctx({ rpoClass: 'RPO-1', rpoBoundSeconds: 5 })],
    }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'BLOCKED', 'bergen-1': 'GATED' },
    codes: { 'oslo-2': ['CANDIDATE_UNREACHABLE'], 'bergen-1': ['EXCEEDS_RPO'] },
    approvals: { 'bergen-1': 2 },
  },
  {
    name: 'two members both claim primary: SPLIT_BRAIN, all BLOCKED, fence the older epoch',
    input: scenario({
      members: [
        primaryUp('oslo-1', 'oslo', P, []),
        oslo2(),
        primaryUp('bergen-1', 'bergen', P, [], { timeline: 2, fencing: { epoch: 2, fenced: false } }),
      ],
      epoch: 2,
    }),
    state: 'SPLIT_BRAIN',
    verdicts: { 'oslo-1': 'BLOCKED', 'oslo-2': 'BLOCKED' },
    codes: { 'oslo-1': ['SPLIT_BRAIN', 'CANDIDATE_NOT_IN_RECOVERY'], 'oslo-2': ['SPLIT_BRAIN'] },
    fenceTarget: 'oslo-1',
    alarms: ['SPLIT_BRAIN'],
  },
  {
    name: 'two primaries with equal epoch and timeline: SPLIT_BRAIN, no automatic fence target',
    input: scenario({ members: [primaryUp('oslo-1', 'oslo', P, []), oslo2(), primaryUp('bergen-1', 'bergen', P, [])] }),
    state: 'SPLIT_BRAIN',
    verdicts: { 'oslo-2': 'BLOCKED', 'bergen-1': 'BLOCKED' },
    fenceTarget: null,
  },
  {
    name: 'primary unreachable from Vakt while replicas still stream from it: BLOCKED',
    input: scenario({ members: [lostPrimary({ now: 'unknown' }), oslo2({ streaming: true }), bergen1()] }),
    state: 'DEGRADED',
    verdicts: { 'oslo-2': 'BLOCKED', 'bergen-1': 'BLOCKED' },
    codes: { 'oslo-2': ['PRIMARY_STILL_STREAMING'], 'bergen-1': ['PRIMARY_STILL_STREAMING'] },
    fenceTarget: null,
    alarms: ['PRIMARY_STILL_STREAMING'],
  },
  {
    name: 'a replica cascading from another replica is no evidence that the primary lives',
    input: scenario({
      members: [lostPrimary({}, [rep('oslo-2', 'sync', P)]), oslo2(), bergen1({ walReceiver: { status: 'streaming', senderNode: 'oslo-2', lastMsgReceiptTime: ago(1) } })],
    }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'SAFE' },
  },
  {
    name: 'old primary back claiming primary with the lower epoch: SPLIT_BRAIN, fence it',
    input: scenario({ members: [returnedOld(), newPrimary, bergenTl2], primary: newPrimary, epoch: 2, history: promoted }),
    state: 'SPLIT_BRAIN',
    verdicts: { 'oslo-1': 'BLOCKED', 'bergen-1': 'BLOCKED' },
    codes: { 'bergen-1': ['SPLIT_BRAIN'] },
    fenceTarget: 'oslo-1',
    alarms: ['OLD_PRIMARY_RETURNED', 'SPLIT_BRAIN'],
  },
  {
    name: 'old primary back as the only writer while the new primary is unreachable: SPLIT_BRAIN, fence the old one',
    input: scenario({
      members: [returnedOld(), { ...newPrimary, observation: observation({ status: 'unknown', role: 'unknown', lastOkAt: ago(40) }) }, bergenTl2],
      primary: newPrimary,
      epoch: 2,
      history: promoted,
    }),
    state: 'SPLIT_BRAIN',
    verdicts: { 'oslo-1': 'BLOCKED', 'bergen-1': 'BLOCKED' },
    fenceTarget: 'oslo-1',
  },
  {
    name: 'old primary back fenced: needs rebuild, not a candidate',
    input: scenario({
      members: [
        returnedOld({ status: 'down', role: 'unknown', lastOkAt: null, currentLsn: null, fencing: { epoch: 2, fenced: true } }),
        newPrimary,
        bergenTl2,
      ],
      primary: newPrimary,
      epoch: 2,
      history: promoted,
    }),
    state: 'DEGRADED',
    verdicts: { 'oslo-1': 'BLOCKED', 'bergen-1': 'BLOCKED' },
    codes: { 'oslo-1': ['CANDIDATE_UNREACHABLE'], 'bergen-1': ['PRIMARY_HEALTHY'] },
    alarms: ['OLD_PRIMARY_RETURNED'],
    needsRebuild: ['oslo-1'],
  },
  {
    name: 'old primary back as an unfenced replica of the new one on its timeline, listed streaming by it (switchover, rejoin): HEALTHY, no OLD_PRIMARY_RETURNED',
    input: scenario({
      members: [
        oldAsReplica(false),
        listingOld,
        bergenTl2,
      ],
      primary: listingOld,
      epoch: 2,
      history: promoted,
    }),
    state: 'HEALTHY',
    verdicts: { 'oslo-1': 'BLOCKED', 'bergen-1': 'BLOCKED' },
    codes: { 'oslo-1': ['PRIMARY_HEALTHY'], 'bergen-1': ['PRIMARY_HEALTHY'] },
    absentAlarms: ['OLD_PRIMARY_RETURNED'],
  },
  {
    name: 'old primary back as a replica on the new timeline that the new primary does not list streaming: OLD_PRIMARY_RETURNED stays, DEGRADED',
    input: scenario({
      members: [
        oldAsReplica(false),
        newPrimary,
        bergenTl2,
      ],
      primary: newPrimary,
      epoch: 2,
      history: promoted,
    }),
    state: 'DEGRADED',
    verdicts: { 'oslo-1': 'BLOCKED', 'bergen-1': 'BLOCKED' },
    alarms: ['OLD_PRIMARY_RETURNED'],
  },
  {
    name: 'old primary back as a FENCED replica listed streaming (rejoin not finished): OLD_PRIMARY_RETURNED stays, DEGRADED',
    input: scenario({
      members: [
        oldAsReplica(true),
        listingOld,
        bergenTl2,
      ],
      primary: listingOld,
      epoch: 2,
      history: promoted,
    }),
    state: 'DEGRADED',
    verdicts: { 'oslo-1': 'BLOCKED', 'bergen-1': 'BLOCKED' },
    alarms: ['OLD_PRIMARY_RETURNED'],
  },
  {
    name: 'replica left on the old timeline before the fork point: NEEDS_REPOINT, not diverged; the cluster is DEGRADED',
    input: scenario({ members: [newPrimary, bergenTl1(P - 10 * MiB)], primary: newPrimary, epoch: 2, history: forked() }),
    state: 'DEGRADED',
    verdicts: { 'bergen-1': 'BLOCKED' },
    codes: { 'bergen-1': ['NEEDS_REPOINT', 'PRIMARY_HEALTHY'] },
    absent: { 'bergen-1': ['TIMELINE_DIVERGED'] },
    alarms: ['NEEDS_REPOINT'],
    absentAlarms: ['TIMELINE_DIVERGED'],
    needsRepoint: ['bergen-1'],
    needsRebuild: [],
  },
  {
    name: 'replica exactly at the fork point beside the fenced old primary: repoint the replica, rebuild the old primary',
    input: scenario({ members: [fencedOld(), newPrimary, bergenTl1(P)], primary: newPrimary, epoch: 2, history: forked() }),
    state: 'DEGRADED',
    verdicts: { 'oslo-1': 'BLOCKED', 'bergen-1': 'BLOCKED' },
    codes: { 'bergen-1': ['NEEDS_REPOINT'] },
    needsRepoint: ['bergen-1'],
    needsRebuild: ['oslo-1'],
  },
  bergenDiverged('replica that received WAL past the fork point: TIMELINE_DIVERGED, needs rebuild', P + 1, undefined, {
    alarms: ['TIMELINE_DIVERGED'],
    absentAlarms: ['NEEDS_REPOINT'],
  }),
  bergenDiverged('replica on the old timeline, fork point unknown: TIMELINE_DIVERGED, needs rebuild (fail closed)', P - 10 * MiB, null),
  {
    name: 'stale observations everywhere: UNKNOWN, never SAFE',
    input: scenario({
      members: [primaryUp('oslo-1', 'oslo', P, syncAndAsync, { observedAt: ago(60) }), oslo2({ observedAt: ago(60) }), bergen1({ observedAt: ago(60) })],
    }),
    state: 'UNKNOWN',
    verdicts: { 'oslo-2': 'BLOCKED', 'bergen-1': 'BLOCKED' },
    codes: { 'oslo-2': ['CANDIDATE_STALE'], 'bergen-1': ['CANDIDATE_STALE'] },
    alarms: ['NO_FRESH_OBSERVATIONS'],
  },
  {
    name: 'stale candidate that would otherwise be perfect: BLOCKED',
    input: scenario({ members: [lostPrimary(), oslo2({ observedAt: ago(20) }), bergen1()] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'BLOCKED', 'bergen-1': 'SAFE' },
    codes: { 'oslo-2': ['CANDIDATE_STALE'] },
  },
  {
    name: 'never-observed candidate: BLOCKED as stale',
    input: scenario({ members: [lostPrimary(), { name: 'oslo-3', site: 'oslo', observation: null, lastGood: null }] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-3': 'BLOCKED' },
    codes: { 'oslo-3': ['CANDIDATE_STALE'] },
  },
  {
    // Stricter under "count every member's WAL end": oslo-2 (newer timeline, reachable) is 10 MiB ahead of bergen-1, which was SAFE.
    name: 'replica on a diverged timeline: BLOCKED and listed for rebuild; the replica 10 MiB behind it is GATED',
    input: scenario({ members: [lostPrimary(), oslo2({ timeline: 2 }), bergen1()] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'BLOCKED', 'bergen-1': 'GATED' },
    codes: { 'oslo-2': ['TIMELINE_DIVERGED'], 'bergen-1': ['CANDIDATE_BEHIND_REPLICA'] },
    approvals: { 'bergen-1': 2 },
    needsRebuild: ['oslo-2'],
  },
  {
    name: 'replica with a different system identifier: BLOCKED',
    input: scenario({ members: [lostPrimary(), oslo2({ systemIdentifier: '7399999999999999999' }), bergen1()] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'BLOCKED' },
    codes: { 'oslo-2': ['SYSTEM_IDENTIFIER_MISMATCH'] },
  },
  {
    name: 'fenced candidate: BLOCKED',
    input: scenario({ members: [lostPrimary(), oslo2({ fencing: { epoch: 1, fenced: true } })] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'BLOCKED' },
    codes: { 'oslo-2': ['CANDIDATE_FENCED'] },
  },
  {
    name: 'candidate whose role is unknown: BLOCKED, not in recovery',
    input: scenario({ members: [lostPrimary(), oslo2({ role: 'unknown' })] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'BLOCKED' },
    codes: { 'oslo-2': ['CANDIDATE_NOT_IN_RECOVERY'] },
  },
  {
    name: 'candidate agent has seen a newer epoch than the cluster record: BLOCKED',
    input: scenario({ members: [lostPrimary(), oslo2({ fencing: { epoch: 5, fenced: false } })] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'BLOCKED' },
    codes: { 'oslo-2': ['CANDIDATE_EPOCH_AHEAD'] },
  },
  // Cross-site stances (bergen-1 is cross-site; worst case 37 s; RPO-2 = 60 s).
  { name: 'cross-site required, 60 s accepted: SAFE', input: crossOnly({ crossSite: 'required' }), state: 'PRIMARY_DOWN', verdicts: { 'bergen-1': 'SAFE' }, codes: { 'bergen-1': ['CROSS_SITE_LOSS_ACCEPTED'] } },
  crossLossNotAccepted('cross-site required, no window accepted: GATED 2', { crossSite: 'required', acceptedCrossSiteDataLossSeconds: undefined }),
  crossLossNotAccepted('cross-site required, 10 s accepted but 37 s estimated: GATED 2', { crossSite: 'required', acceptedCrossSiteDataLossSeconds: 10 }),
  { name: 'cross-site optional, 60 s accepted: SAFE', input: crossOnly({ crossSite: 'optional' }), state: 'PRIMARY_DOWN', verdicts: { 'bergen-1': 'SAFE' } },
  crossLossNotAccepted('cross-site optional, no window accepted: GATED 2', { crossSite: 'optional', acceptedCrossSiteDataLossSeconds: null }),
  {
    name: 'cross-site not assumed, even with a window: BLOCKED',
    input: crossOnly({ crossSite: 'not-assumed' }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'bergen-1': 'BLOCKED' },
    codes: { 'bergen-1': ['CROSS_SITE_NOT_ALLOWED'] },
  },
  {
    name: 'cross-site not assumed, no window: BLOCKED',
    input: crossOnly({ crossSite: 'not-assumed', acceptedCrossSiteDataLossSeconds: undefined }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'bergen-1': 'BLOCKED' },
    codes: { 'bergen-1': ['CROSS_SITE_NOT_ALLOWED'] },
  },
  {
    name: 'cross-site not assumed does not block a same-site candidate',
    input: scenario({ members: [lostPrimary(), oslo2(), bergen1()], contexts: [ctx({ crossSite: 'not-assumed' })] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'SAFE', 'bergen-1': 'BLOCKED' },
    absent: { 'oslo-2': ['CROSS_SITE_NOT_ALLOWED'] },
  },
  // Stricter under class 8: the declaration says sync, the observed state (bergen-1 async, not in
  // synchronous_standby_names) does not prove it, so the accepted-window check applies. Was SAFE.
  crossSyncNotProven(
    'cross-site declared sync while bergen-1 replicates asynchronously: the accepted-window check applies, GATED 2',
    crossOnly({ replication: { local: 'sync', crossSite: 'sync' }, acceptedCrossSiteDataLossSeconds: undefined }),
  ),
  {
    name: 'manual failover mode: MANUAL with runbook',
    input: scenario({ members: [lostPrimary(), oslo2()], contexts: [ctx({ failover: 'manual' })] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'MANUAL' },
    codes: { 'oslo-2': ['FAILOVER_MANUAL'] },
    approvals: { 'oslo-2': 0 },
  },
  {
    name: 'automatic mode while the primary flaps: GATED',
    input: scenario({ members: [lostPrimary(), oslo2()], history: { primaryDownEvents: [ago(33), ago(240)] } }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'GATED' },
    codes: { 'oslo-2': ['PRIMARY_FLAPPING'] },
    approvals: { 'oslo-2': 1 },
  },
  {
    name: 'automatic mode, primary down for only 10 s: GATED',
    input: scenario({ members: [lostPrimary(), oslo2()], history: { primaryDownSince: ago(10) } }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'GATED' },
    codes: { 'oslo-2': ['PRIMARY_DOWN_TOO_SHORT'] },
  },
  {
    name: 'automatic mode, outage start unknown: GATED (flap guard fails closed)',
    input: scenario({ members: [lostPrimary(), oslo2()], history: { primaryDownSince: null } }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'GATED' },
    codes: { 'oslo-2': ['PRIMARY_DOWN_TOO_SHORT'] },
  },
  {
    name: 'two contexts with different classes: the strictest decides',
    input: scenario({
      members: [lostPrimary(), oslo2(), bergen1()],
      contexts: [
        ctx({ slug: 'audit-history', rpoClass: 'RPO-3', rpoBoundSeconds: 900, failover: 'automatic', approvalsRequired: 1 }),
        ctx({ slug: 'inventory', rpoClass: 'RPO-1', rpoBoundSeconds: 5, failover: 'operator-approved', approvalsRequired: 2 }),
      ],
    }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'GATED', 'bergen-1': 'GATED' },
    codes: { 'oslo-2': ['OPERATOR_APPROVAL', 'SYNC_STANDBY_CAUGHT_UP'], 'bergen-1': ['EXCEEDS_RPO', 'OPERATOR_APPROVAL'] },
    absent: { 'oslo-2': ['EXCEEDS_RPO'] },
    approvals: { 'oslo-2': 2, 'bergen-1': 2 },
  },
  {
    name: 'old primary unreachable and not known fenced: GATED with attestation',
    input: scenario({ members: [lostPrimary({ now: 'unknown' }), oslo2(), bergen1()] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'GATED', 'bergen-1': 'GATED' },
    codes: { 'oslo-2': ['OLD_PRIMARY_NOT_FENCEABLE'] },
    attestation: { 'oslo-2': true, 'bergen-1': true },
    approvals: { 'oslo-2': 1 },
  },
  {
    name: 'old primary fresh and already fenced: SAFE',
    input: scenario({ members: [lostPrimary({ fenced: true }), oslo2()] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'SAFE' },
    codes: { 'oslo-2': ['OLD_PRIMARY_FENCED'] },
    attestation: { 'oslo-2': false },
  },
  {
    // Input now says "not paused" (a pause state nobody reports counts as paused: fail closed).
    name: 'Patroni cluster: the leader lock fences an unreachable old primary',
    input: patroniLeaderGone({ patroni: patroniSays(false) }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'SAFE' },
    codes: { 'oslo-2': ['FENCED_BY_PATRONI'] },
    attestation: { 'oslo-2': false },
  },
  {
    name: 'Patroni paused, leader unreachable, the replica\'s Patroni says it streams from it: BLOCKED (PRIMARY_STILL_STREAMING)',
    input: scenario({
      members: [lostPrimary({ now: 'unknown' }), oslo2({ walReceiver: streamsFrom('oslo-1'), patroni: patroniSays(true) })],
      kind: 'patroni',
      contexts: [ctx({ failover: 'operator-approved' })],
    }),
    ...stillStreaming,
    absent: { 'oslo-2': ['FENCED_BY_PATRONI', 'OLD_PRIMARY_NOT_FENCEABLE'] },
    alarms: ['PRIMARY_STILL_STREAMING'],
    fenceTarget: null,
    messages: { 'oslo-2': ["PRIMARY_STILL_STREAMING: Vakt cannot reach the primary oslo-1, but oslo-2's Patroni says it streams WAL from oslo-1"] },
  },
  {
    name: 'Patroni paused, leader unreachable, the replica streams from a leader its /cluster does not name: BLOCKED (unknown sender = the old leader)',
    input: patroniLeaderGone({ walReceiver: streamsFrom(null), patroni: patroniSays(true) }),
    ...stillStreaming,
  },
  {
    name: 'Patroni paused, leader unreachable, a member\'s /cluster lists it as leader with PostgreSQL running: BLOCKED (PRIMARY_STILL_STREAMING)',
    input: patroniLeaderGone({ walReceiver: null, patroni: patroniSays(true, [{ name: 'oslo-1', role: 'leader', state: 'running' }]) }),
    ...stillStreaming,
    messages: { 'oslo-2': ["oslo-2's Patroni lists it as leader with PostgreSQL running"] },
  },
  {
    name: 'Patroni not paused, but the replica streams from the unreachable leader: BLOCKED (streaming evidence holds outside pause mode too)',
    input: patroniLeaderGone({ walReceiver: streamsFrom('oslo-1'), patroni: patroniSays(false) }),
    ...stillStreaming,
  },
  {
    name: 'Patroni paused, the replica streams from another member (cascading): no evidence against the old leader; unreachable -> attestation',
    input: scenario({
      members: [
        lostPrimary({ now: 'unknown' }),
        oslo2({ walReceiver: streamsFrom('bergen-1'), patroni: patroniSays(true, [{ name: 'oslo-1', role: 'leader', state: 'stopped' }]) }),
      ],
      kind: 'patroni',
    }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'GATED' },
    codes: { 'oslo-2': ['OLD_PRIMARY_NOT_FENCEABLE'] },
    absent: { 'oslo-2': ['PRIMARY_STILL_STREAMING', 'FENCED_BY_PATRONI'] },
    attestation: { 'oslo-2': true },
  },
  {
    name: 'Patroni paused, the leader\'s Patroni does not answer, nobody streams: the leader lock does not fence -> GATED, attestation (OLD_PRIMARY_NOT_FENCEABLE)',
    input: patroniLeaderGone({ walReceiver: null, patroni: patroniSays(true) }),
    ...needsAttestation,
    absent: { 'oslo-2': ['FENCED_BY_PATRONI'] },
    approvals: { 'oslo-2': 1 },
    messages: { 'oslo-2': ['OLD_PRIMARY_NOT_FENCEABLE: Patroni is paused (or its pause state is unknown), so its leader lock does not fence the old leader oslo-1, and Patroni on oslo-1 does not answer'] },
  },
  {
    name: 'Patroni, pause state unknown (no fresh member reports it): treated as paused -> attestation',
    input: patroniLeaderGone({ walReceiver: null }),
    ...needsAttestation,
  },
  {
    name: 'Patroni paused, the leader\'s REST API answers now with PostgreSQL stopped: proven stopped (PATRONI_LEADER_STOPPED), no attestation',
    input: pausedLeaderDown('stopped'),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'SAFE' },
    codes: { 'oslo-2': ['PATRONI_LEADER_STOPPED'] },
    absent: { 'oslo-2': ['FENCED_BY_PATRONI', 'OLD_PRIMARY_NOT_FENCEABLE'] },
    attestation: { 'oslo-2': false },
  },
  {
    name: 'Patroni paused, the leader\'s REST API answers with PostgreSQL crashed: proven stopped',
    input: pausedLeaderDown('crashed', {}, { contexts: [ctx({ failover: 'operator-approved' })] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'GATED' },
    codes: { 'oslo-2': ['PATRONI_LEADER_STOPPED', 'OPERATOR_APPROVAL'] },
    attestation: { 'oslo-2': false },
  },
  {
    name: 'Patroni paused, the leader\'s REST API answers with PostgreSQL starting: not proven stopped -> attestation',
    input: pausedLeaderDown('starting'),
    ...needsAttestation,
    absent: { 'oslo-2': ['PATRONI_LEADER_STOPPED'] },
    messages: { 'oslo-2': ['Patroni on oslo-1 answers with PostgreSQL starting, not stopped'] },
  },
  {
    name: 'Patroni paused, the leader said "stopped" in a stale answer: not proven stopped now -> attestation',
    input: pausedLeaderDown('stopped', { observedAt: ago(40) }),
    ...needsAttestation,
  },
  {
    name: 'Patroni paused, the leader\'s Patroni does not answer, the Vakt agent beside it answers (PostgreSQL down): it fences first -> no attestation (OLD_PRIMARY_FENCEABLE)',
    input: pausedLeaderGoneWithAgent(agentBeside()),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'SAFE' },
    codes: { 'oslo-2': ['OLD_PRIMARY_FENCEABLE'] },
    absent: { 'oslo-2': ['OLD_PRIMARY_NOT_FENCEABLE', 'FENCED_BY_PATRONI'] },
    attestation: { 'oslo-2': false },
    messages: { 'oslo-2': ['the Vakt agent beside oslo-1 answers: the promotion fences it with epoch 2 before promoting'] },
  },
  {
    name: 'Patroni paused, the Vakt agent beside the old leader reports it fenced: OLD_PRIMARY_FENCED, no attestation',
    input: pausedLeaderGoneWithAgent(agentBeside({ fencing: { epoch: 2, fenced: true } })),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'SAFE' },
    codes: { 'oslo-2': ['OLD_PRIMARY_FENCED'] },
    attestation: { 'oslo-2': false },
  },
  {
    name: 'Patroni paused, the leader\'s Patroni is dead but the Vakt agent beside it reports PostgreSQL a writable primary: BLOCKED (PRIMARY_STILL_STREAMING)',
    input: pausedLeaderGoneWithAgent(agentBeside({ error: null, postgresReachable: true, role: 'primary' })),
    ...stillStreaming,
    absent: { 'oslo-2': ['OLD_PRIMARY_FENCEABLE'] },
    messages: { 'oslo-2': ['the Vakt agent beside oslo-1 reports its PostgreSQL running as a writable primary'] },
  },
  {
    name: 'Patroni 3.0.2 (no replica streaming state), leader unreachable: the Vakt agent beside the replica reports its WAL receiver streaming: BLOCKED',
    input: patroniLeaderGone({
      walReceiver: null,
      patroni: patroniSays(true),
      fenceAgent: agentBeside({ error: null, postgresReachable: true, role: 'replica', fencing: { epoch: 1, fenced: false }, walReceiver: { status: 'streaming', senderNode: null, flushedLsn: lsn(P), lastMsgReceiptTime: null } }),
    }),
    ...stillStreaming,
    messages: { 'oslo-2': ['the Vakt agent beside oslo-2 reports its WAL receiver streaming (sender not mapped to a member: counted as the old leader)'] },
  },
  {
    name: 'Patroni paused, neither the leader\'s Patroni nor the Vakt agent beside it answers: attestation, the message names both',
    input: pausedLeaderGoneWithAgent({ answered: false, error: 'connect ECONNREFUSED 127.0.0.1:7070', postgresReachable: null, role: 'unknown', fencing: null, walReceiver: null }),
    ...needsAttestation,
    messages: { 'oslo-2': ['Patroni on oslo-1 does not answer; the Vakt agent beside it does not answer either (connect ECONNREFUSED 127.0.0.1:7070)'] },
  },
  {
    name: 'Patroni paused, the Vakt agent beside the old leader answered in a stale poll: not fenceable now -> attestation',
    input: pausedLeaderGoneWithAgent(agentBeside(), {}, { observedAt: ago(40) }),
    ...needsAttestation,
    absent: { 'oslo-2': ['OLD_PRIMARY_FENCEABLE'] },
  },
  {
    name: 'RPO class without a numeric bound: GATED, never SAFE',
    input: scenario({ members: [lostPrimary(), oslo2()], contexts: [ctx({ rpoBoundSeconds: null })] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'GATED' },
    codes: { 'oslo-2': ['RPO_BOUND_UNSET'] },
  },
  {
    name: 'cluster holding no context: GATED with 2 approvals',
    input: scenario({ members: [lostPrimary(), oslo2()], contexts: [] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'GATED' },
    codes: { 'oslo-2': ['NO_CONTEXTS'] },
    approvals: { 'oslo-2': 2 },
  },
  {
    name: 'no record of which node was primary: BLOCKED',
    input: scenario({ members: [oslo2(), bergen1()], primary: null }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'BLOCKED', 'bergen-1': 'BLOCKED' },
    codes: { 'oslo-2': ['NO_PRIMARY_HISTORY'] },
  },
  {
    name: 'just registered: the replica answered, the primary not polled yet, no record of a primary: UNKNOWN (not PRIMARY_DOWN), BLOCKED',
    input: scenario({ members: [oslo2(), { name: 'oslo-1', site: 'oslo', observation: null, lastGood: null }], primary: null }),
    state: 'UNKNOWN',
    verdicts: { 'oslo-2': 'BLOCKED' },
    alarms: ['MEMBERS_NOT_OBSERVED'],
    absentAlarms: ['NO_PRIMARY', 'PRIMARY_DOWN'],
  },
  {
    name: 'every member observed, none answers as primary, no record of one: still PRIMARY_DOWN with NO_PRIMARY',
    input: scenario({ members: [oslo2(), bergen1()], primary: null }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'BLOCKED', 'bergen-1': 'BLOCKED' },
    alarms: ['NO_PRIMARY'],
    absentAlarms: ['MEMBERS_NOT_OBSERVED'],
  },
];

// ---------- acknowledged WAL: one or more scenarios per class of the issue ----------

// Three local nodes: oslo-1 primary, oslo-2 and oslo-3 standbys, synchronous_standby_names FIRST 1 ("oslo-2", "oslo-3").
const first1 = standbyNames(['oslo-2', 'oslo-3']);
const oslo3 = (atBytes = P, p = {}) => replica('oslo-3', 'oslo', atBytes, p);
/** oslo-1 lost 35 s ago; at its last good poll oslo-2 was disconnected, so oslo-3 was the sync standby. */
const lostWithOslo3Sync = (opts: Parameters<typeof primaryLost>[4] = {}, names = first1) =>
  primaryLost('oslo-1', 'oslo', P, [rep('oslo-3', 'sync', P)], { ...opts, last: { synchronousStandbyNames: names, ...opts.last } });
const rpo1 = [ctx({ rpoClass: 'RPO-1', rpoBoundSeconds: 5 })];
/** oslo-1 lost with these settings at its last good poll, oslo-2 its sync standby, under RPO-1. */
const rpo1Lost = (last: Partial<TMemberObservation>) => scenario({ members: [lostPrimary({ last }), oslo2()], contexts: rpo1 });
/** oslo-1 fenced and restarted read-only (standby.signal): it answers as a fresh replica and its last-good record is that replica answer. */
const oldPrimaryReadOnly = (atBytes: number, fenced = true): TMemberInput => {
  const o = observation({ role: 'replica', receiveLsn: lsn(atBytes), replayLsn: lsn(atBytes), walReceiver: { status: 'waiting', lastMsgReceiptTime: null }, fencing: { epoch: 1, fenced } });
  return { name: 'oslo-1', site: 'oslo', observation: o, lastGood: o };
};
/** The history the loader keeps for it: last seen as primary 300 s ago at `lastLsnBytes`. */
const keptHistory = (lastLsnBytes: number) => ({
  expectedPrimary: { node: 'oslo-1', timeline: 1, lastLsn: lsn(lastLsnBytes), lastSeenOkAt: ago(300) },
  primaryDownSince: ago(290),
  primaryDownEvents: [ago(290)],
});
// Two promotions: oslo-1 replaced at epoch 2 (timeline 1), oslo-2 replaced at epoch 3 (timeline 2); oslo-3 is the primary on timeline 3.
const twoPromotions = {
  previousPromotion: { node: 'oslo-3', fromNode: 'oslo-2', epoch: 3 },
  replacedPrimaries: [
    { node: 'oslo-1', epoch: 2, timeline: 1 },
    { node: 'oslo-2', epoch: 3, timeline: 2 },
  ],
};
/** After twoPromotions, beside `members`: oslo-1 (replaced at epoch 2) answers as a writable primary on timeline 1 again. */
const oslo1WritesAgain = (members: TMemberInput[]) =>
  scenario({ members: [...members, primaryUp('oslo-1', 'oslo', 250 * MiB, [], { timeline: 1, fencing: null })], epoch: 3, history: twoPromotions });
const oslo3Tl3Lost = () =>
  primaryLost('oslo-3', 'oslo', 300 * MiB, [rep('oslo-2', 'sync', 300 * MiB)], { last: { timeline: 3, fencing: { epoch: 3, fenced: false } } });
const withObservation = (m: TMemberInput, p: Partial<TMemberInput['observation'] & object>): TMemberInput => ({ ...m, observation: { ...m.observation!, ...p } });
/** bergen-1 as the one synchronous standby of oslo-1, caught up (cross-site sync). */
const bergenSync = (p: Partial<TMemberInput['observation'] & object> = {}) =>
  scenario({
    members: [primaryLost('oslo-1', 'oslo', P, [rep('bergen-1', 'sync', P)], { last: p }), replica('bergen-1', 'bergen', P)],
    contexts: [ctx({ replication: { local: 'sync', crossSite: 'sync' }, acceptedCrossSiteDataLossSeconds: undefined })],
  });

const acknowledgedRows: Row[] = [
  // Class 1: coverage follows synchronous_standby_names; loss against the most advanced member.
  {
    name: 'FIRST 1 (oslo-2, oslo-3): oslo-2 reconnected in the window and is 10 MiB ahead: oslo-3 is not covered and not SAFE',
    input: scenario({ members: [lostWithOslo3Sync(), oslo2({}), oslo3()].map((m) => (m.name === 'oslo-2' ? replica('oslo-2', 'oslo', P + 10 * MiB) : m)) }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-3': 'GATED', 'oslo-2': 'SAFE' },
    codes: { 'oslo-3': ['CANDIDATE_BEHIND_REPLICA', 'SYNC_NOT_PROVEN'], 'oslo-2': ['SYNC_STANDBY_CAUGHT_UP'] },
    absent: { 'oslo-3': ['SYNC_STANDBY_CAUGHT_UP'] },
    approvals: { 'oslo-3': 2 },
    loss: { 'oslo-3': { bytes: 10 * MiB, windowCoveredBySync: false, worstCaseSeconds: 35 }, 'oslo-2': { bytes: 0, windowCoveredBySync: true, worstCaseSeconds: 0 } },
    messages: { 'oslo-3': ['CANDIDATE_BEHIND_REPLICA: oslo-2 answers now and holds 10485760 bytes (10.0 MiB) more WAL than oslo-3', 'oslo-2 could have acknowledged commits (FIRST 1 (oslo-2, oslo-3))'] },
  },
  {
    name: 'FIRST 1 (oslo-2, oslo-3): oslo-2 is 10 MiB ahead but unreachable now: oslo-3 is not covered, its 10 MiB and the whole window count (RPO-1: GATED)',
    input: scenario({
      members: [lostWithOslo3Sync(), { ...replica('oslo-2', 'oslo', P + 10 * MiB, { observedAt: ago(6) }), observation: observation({ status: 'unknown', role: 'unknown', error: 'timeout', lastOkAt: ago(6), fencing: null }) }, oslo3()],
      contexts: rpo1,
    }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-3': 'GATED', 'oslo-2': 'BLOCKED' },
    codes: { 'oslo-3': ['EXCEEDS_RPO', 'SYNC_NOT_PROVEN'] },
    loss: { 'oslo-3': { bytes: 10 * MiB, windowCoveredBySync: false, worstCaseSeconds: 35 } },
  },
  {
    name: 'FIRST 1 (oslo-2, oslo-3): both fresh at the same position: each is covered and SAFE',
    input: scenario({ members: [lostWithOslo3Sync(), oslo2(), oslo3()] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'SAFE', 'oslo-3': 'SAFE' },
    codes: { 'oslo-2': ['SYNC_STANDBY_CAUGHT_UP'], 'oslo-3': ['SYNC_STANDBY_CAUGHT_UP'] },
  },
  {
    name: 'ANY 1 (oslo-2, oslo-3): oslo-2 holds 1 MiB more: oslo-3 is GATED, oslo-2 SAFE',
    input: scenario({ members: [lostWithOslo3Sync({}, standbyNames(['oslo-2', 'oslo-3'], 'ANY')), replica('oslo-2', 'oslo', P + MiB), oslo3()] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'SAFE', 'oslo-3': 'GATED' },
    codes: { 'oslo-3': ['CANDIDATE_BEHIND_REPLICA'] },
    loss: { 'oslo-3': { bytes: MiB, windowCoveredBySync: false } },
  },
  {
    name: "synchronous_standby_names '*' while bergen-1 (async in the snapshot) received 2 MiB more: oslo-2 is not covered and not SAFE",
    input: scenario({ members: [lostPrimary({ last: { synchronousStandbyNames: '*' } }), oslo2(), replica('bergen-1', 'bergen', P + 2 * MiB)] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'GATED', 'bergen-1': 'SAFE' },
    codes: { 'oslo-2': ['CANDIDATE_BEHIND_REPLICA', 'SYNC_NOT_PROVEN'] },
  },
  {
    name: 'FIRST 1 (oslo-2, oslo-9): oslo-9 is listed but is no member Vakt observes: not covered (RPO-1: GATED)',
    input: rpo1Lost({ synchronousStandbyNames: standbyNames(['oslo-2', 'oslo-9']) }),
    ...rpo1SyncNotProven,
    messages: { 'oslo-2': ['lists oslo-9, which is not a member Vakt observes'] },
  },
  {
    name: 'synchronous_standby_names empty although the snapshot said sync: no coverage (RPO-1: GATED)',
    input: rpo1Lost({ synchronousStandbyNames: '' }),
    ...rpo1SyncNotProven,
  },
  // Class 2: the old primary comes back read-only.
  {
    name: 'old primary fenced and restarted read-only with 4 MiB more WAL than oslo-2: its WAL end counts, the window runs from its last sighting as primary, oslo-2 is not SAFE',
    input: scenario({ members: [oldPrimaryReadOnly(P + 4 * MiB), oslo2()], primary: null, history: keptHistory(P + 4 * MiB) }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'GATED' },
    codes: { 'oslo-2': ['CANDIDATE_BEHIND_REPLICA', 'EXCEEDS_RPO', 'OLD_PRIMARY_FENCED'] },
    approvals: { 'oslo-2': 2 },
    loss: { 'oslo-2': { bytes: 4 * MiB, unknownWindowSeconds: 300, worstCaseSeconds: 300, windowCoveredBySync: false } },
    messages: { 'oslo-2': ['oslo-1 answers now and holds 4194304 bytes (4.0 MiB) more WAL than oslo-2'] },
  },
  {
    name: 'old primary restarted read-only at the same position as oslo-2: the unknown window does not shrink to seconds (300 s > RPO 60 s: GATED)',
    input: scenario({ members: [oldPrimaryReadOnly(P), oslo2()], primary: null, history: keptHistory(P) }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'GATED' },
    codes: { 'oslo-2': ['EXCEEDS_RPO', 'SYNC_NOT_PROVEN'] },
    loss: { 'oslo-2': { bytes: 0, unknownWindowSeconds: 300, worstCaseSeconds: 300 } },
  },
  {
    name: 'a replaced primary answering as a fenced replica on the current timeline is never a candidate (CANDIDATE_IS_OLD_PRIMARY)',
    input: scenario({
      members: [oslo3Tl3Lost(), replica('oslo-2', 'oslo', 300 * MiB, { timeline: 3, fencing: { epoch: 3, fenced: true } }), replica('oslo-1', 'oslo', 250 * MiB, { timeline: 1, fencing: { epoch: 2, fenced: true } })],
      epoch: 3,
      history: twoPromotions,
    }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'BLOCKED', 'oslo-1': 'BLOCKED' },
    codes: { 'oslo-2': ['CANDIDATE_IS_OLD_PRIMARY', 'CANDIDATE_FENCED'], 'oslo-1': ['CANDIDATE_IS_OLD_PRIMARY'] },
  },
  {
    name: 'a replaced primary still on the timeline it was replaced on, unfenced, answering as a replica: CANDIDATE_IS_OLD_PRIMARY',
    input: scenario({
      members: [oslo3Tl3Lost(), replica('oslo-2', 'oslo', 300 * MiB, { timeline: 2, fencing: { epoch: 3, fenced: false } })],
      epoch: 3,
      history: twoPromotions,
    }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'BLOCKED' },
    codes: { 'oslo-2': ['CANDIDATE_IS_OLD_PRIMARY'] },
  },
  {
    name: 'a replaced primary rebuilt onto the current timeline and unfenced is a candidate again (covered sync standby: SAFE)',
    input: scenario({
      members: [oslo3Tl3Lost(), replica('oslo-2', 'oslo', 300 * MiB, { timeline: 3, fencing: { epoch: 3, fenced: false } })],
      epoch: 3,
      history: twoPromotions,
    }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'SAFE' },
    absent: { 'oslo-2': ['CANDIDATE_IS_OLD_PRIMARY'] },
  },
  // Class 3: clocks.
  {
    name: 'candidate observation stamped 30 s in the future: not fresh, BLOCKED',
    input: scenario({ members: [lostPrimary(), oslo2({ observedAt: NOW + 30_000 })] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'BLOCKED' },
    codes: { 'oslo-2': ['CANDIDATE_STALE'] },
  },
  {
    name: 'primary last seen ok 60 s in the future (clock fault): the window is unknown, DATA_LOSS_UNKNOWN, never SAFE',
    input: scenario({
      members: [lostPrimary(), oslo2()],
      history: { expectedPrimary: { node: 'oslo-1', timeline: 1, lastLsn: lsn(P), lastSeenOkAt: NOW + 60_000 } },
    }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'GATED' },
    codes: { 'oslo-2': ['DATA_LOSS_UNKNOWN'] },
    approvals: { 'oslo-2': 2 },
    loss: { 'oslo-2': { unknownWindowSeconds: null, worstCaseSeconds: null, windowCoveredBySync: false } },
  },
  {
    name: 'outage start in the future: unknown down time, PRIMARY_DOWN_TOO_SHORT',
    input: scenario({ members: [lostPrimary(), oslo2()], history: { primaryDownSince: NOW + 120_000 } }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'GATED' },
    codes: { 'oslo-2': ['PRIMARY_DOWN_TOO_SHORT'] },
  },
  {
    name: "candidate's agent clock 5 s ahead of the database clock: CLOCK_SKEW, BLOCKED",
    input: scenario({ members: [lostPrimary(), oslo2({ clockSkewMs: 5000 })] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'BLOCKED' },
    codes: { 'oslo-2': ['CLOCK_SKEW'] },
    messages: { 'oslo-2': ['5000 ms off'] },
  },
  {
    name: 'candidate the poller stored unknown for clock skew: CLOCK_SKEW, BLOCKED',
    input: scenario({ members: [lostPrimary(), oslo2({ status: 'unknown', error: 'CLOCK_SKEW: agent clock 3100 ms ahead', clockSkewMs: 3100 })] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'BLOCKED' },
    codes: { 'oslo-2': ['CLOCK_SKEW', 'CANDIDATE_UNREACHABLE'] },
  },
  {
    name: 'FIRST 1 (oslo-2, oslo-3): oslo-3 answers with a skewed clock: no evidence, oslo-2 is not covered (RPO-1: GATED)',
    input: scenario({ members: [lostWithOslo3Sync(), oslo2(), oslo3(P, { clockSkewMs: -4000 })], contexts: rpo1 }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'GATED', 'oslo-3': 'BLOCKED' },
    codes: { 'oslo-2': ['EXCEEDS_RPO', 'SYNC_NOT_PROVEN'], 'oslo-3': ['CLOCK_SKEW'] },
    messages: { 'oslo-2': ['its clock is skewed'] },
  },
  {
    name: 'old primary answers "down" from an agent with a skewed clock: not evidence it can be fenced, attestation required',
    input: scenario({ members: [withObservation(lostPrimary(), { clockSkewMs: 9000 }), oslo2()] }),
    ...needsAttestation,
  },
  // Class 4: a stale "fenced" flag.
  {
    name: "old primary's agent unreachable, its last payload said fenced: not OLD_PRIMARY_FENCED, attestation required",
    input: scenario({ members: [withObservation(lostPrimary({ now: 'unknown' }), { fencing: { epoch: 1, fenced: true } }), oslo2()] }),
    ...needsAttestation,
    absent: { 'oslo-2': ['OLD_PRIMARY_FENCED'] },
  },
  {
    name: "old primary's fenced report is 60 s old: stale, attestation required",
    input: scenario({ members: [withObservation(lostPrimary({ fenced: true }), { observedAt: ago(60) }), oslo2()] }),
    state: 'PRIMARY_DOWN',
    verdicts: { 'oslo-2': 'GATED' },
    absent: { 'oslo-2': ['OLD_PRIMARY_FENCED'] },
    attestation: { 'oslo-2': true },
  },
  // Class 5: every earlier primary is a known loser.
  {
    name: 'the primary replaced two promotions ago writes again while the current one is unreachable: SPLIT_BRAIN, every candidate BLOCKED, fence it',
    input: oslo1WritesAgain([oslo3Tl3Lost(), replica('oslo-2', 'oslo', 300 * MiB, { timeline: 3 })]),
    state: 'SPLIT_BRAIN',
    verdicts: { 'oslo-1': 'BLOCKED', 'oslo-2': 'BLOCKED' },
    codes: { 'oslo-2': ['SPLIT_BRAIN'] },
    fenceTarget: 'oslo-1',
    alarms: ['SPLIT_BRAIN'],
    absentAlarms: ['PRIMARY_CHANGED'],
  },
  {
    name: 'the primary replaced two promotions ago writes beside the healthy current primary: SPLIT_BRAIN, fence the old one',
    input: oslo1WritesAgain([primaryUp('oslo-3', 'oslo', 300 * MiB, [], { timeline: 3, fencing: { epoch: 3, fenced: false } })]),
    state: 'SPLIT_BRAIN',
    verdicts: { 'oslo-1': 'BLOCKED' },
    fenceTarget: 'oslo-1',
  },
  // Class 6: synchronous_commit per role and database.
  {
    name: 'role app_rw with synchronous_commit = local: coverage not claimed (RPO-1: GATED)',
    input: rpo1Lost({ synchronousCommitOverrides: [{ role: 'app_rw', database: null, value: 'local' }] }),
    ...rpo1SyncNotProven,
    absent: { 'oslo-2': ['SYNC_STANDBY_CAUGHT_UP'] },
    messages: { 'oslo-2': ['role app_rw sets synchronous_commit = local'] },
  },
  {
    name: 'the agent did not report role/database overrides: coverage not claimed (RPO-1: GATED)',
    input: rpo1Lost({ synchronousCommitOverrides: null }),
    ...rpo1SyncNotProven,
  },
  {
    name: 'server synchronous_commit = local: coverage not claimed (RPO-1: GATED)',
    input: rpo1Lost({ synchronousCommit: 'local' }),
    ...rpo1SyncNotProven,
  },
  // Class 8: declared cross-site sync.
  {
    name: 'cross-site declared sync and observed: bergen-1 is the listed sync standby, caught up: the accepted window is skipped, SAFE',
    input: bergenSync(),
    state: 'PRIMARY_DOWN',
    verdicts: { 'bergen-1': 'SAFE' },
    codes: { 'bergen-1': ['SYNC_STANDBY_CAUGHT_UP'] },
    absent: { 'bergen-1': ['CROSS_SITE_LOSS_NOT_ACCEPTED'] },
  },
  crossSyncNotProven(
    'cross-site declared sync, bergen-1 listed but the overrides were not reported: not proven, the accepted-window check applies (GATED 2)',
    bergenSync({ synchronousCommitOverrides: null }),
  ),
];

/** The most advanced position a member is known to hold (written, received, flushed, replayed), computed here independently of the engine. */
function memberWalEnd(m: TMemberInput): bigint | null {
  const vals = [m.observation, m.lastGood]
    .flatMap((o) => (o ? [o.currentLsn, o.receiveLsn, o.walReceiver?.flushedLsn, o.replayLsn] : []))
    .map((v) => lsnValue(v))
    .filter((v): v is bigint => v !== null);
  return vals.length ? vals.reduce((a, b) => (a > b ? a : b)) : null;
}

/**
 * The property of every scenario: no SAFE candidate lacks WAL that another reachable member (fresh,
 * answering ok, same database system, not left on an older timeline) holds, none is SAFE with an
 * unknown worst case, and a window claimed covered by sync leaves no reachable listed standby ahead.
 */
function expectNoSafeWithoutAcknowledgedWal(input: TSafetyInput, report: ReturnType<typeof evaluateCluster>) {
  const now = input.now as number;
  for (const c of report.candidates.filter((x) => x.verdict === 'SAFE')) {
    expect(c.dataLoss.worstCaseSeconds, `${c.node}: SAFE needs a known worst case`).not.toBeNull();
    const cand = lsnValue(c.dataLoss.candidateLsn);
    expect(cand, `${c.node}: SAFE needs a known position`).not.toBeNull();
    for (const m of input.members) {
      const o = m.observation;
      if (m.name === c.node || !o || o.status !== 'ok' || now - (toMs(o.observedAt) ?? -Infinity) > 15_000 || (toMs(o.observedAt) ?? 0) > now + 1000) continue;
      if (o.systemIdentifier !== null && o.systemIdentifier !== SYS) continue;
      const end = memberWalEnd(m);
      expect(end !== null && end > cand!, `${c.node} is SAFE while ${m.name} answers with more WAL`).toBe(false);
    }
  }
}

function checkRow(row: Row) {
    const report = evaluateCluster(row.input);
    expectNoSafeWithoutAcknowledgedWal(row.input, report);
    for (const [node, loss] of Object.entries(row.loss ?? {})) {
      expect(report.candidates.find((c) => c.node === node)?.dataLoss, node).toMatchObject(loss);
    }
    for (const [node, texts] of Object.entries(row.messages ?? {})) {
      const all = report.candidates.find((c) => c.node === node)!.reasons.map((r) => `${r.code}: ${r.message}`).join('\n');
      for (const t of texts) expect(all, node).toContain(t);
    }
    expect(report.state).toBe(row.state);
    const byNode = Object.fromEntries(report.candidates.map((c) => [c.node, c]));
    for (const [node, verdict] of Object.entries(row.verdicts)) {
      expect(byNode[node], node).toBeDefined();
      expect(`${node}: ${byNode[node].verdict}`).toBe(`${node}: ${verdict}`);
    }
    for (const [node, codes] of Object.entries(row.codes ?? {})) {
      expect(byNode[node].reasons.map((r) => r.code)).toEqual(expect.arrayContaining(codes));
    }
    for (const [node, codes] of Object.entries(row.absent ?? {})) {
      for (const code of codes) expect(byNode[node].reasons.map((r) => r.code)).not.toContain(code);
    }
    for (const [node, n] of Object.entries(row.approvals ?? {})) expect(byNode[node].approvalsRequired).toBe(n);
    for (const [node, a] of Object.entries(row.attestation ?? {})) expect(byNode[node].requiresAttestation).toBe(a);
    if (row.fenceTarget !== undefined) expect(report.fenceTarget).toBe(row.fenceTarget);
    if (row.alarms) expect(report.alarms.map((a) => a.code)).toEqual(expect.arrayContaining(row.alarms));
    for (const code of row.absentAlarms ?? []) expect(report.alarms.map((a) => a.code)).not.toContain(code);
    if (row.needsRebuild) expect(report.needsRebuild.map((n) => n.node).sort()).toEqual([...row.needsRebuild].sort());
    if (row.needsRepoint) expect(report.needsRepoint.map((n) => n.node).sort()).toEqual([...row.needsRepoint].sort());
    // Invariants that hold in every scenario.
    for (const c of report.candidates) {
      if (c.verdict === 'SAFE') {
        expect(c.reasons.filter((r) => r.effect !== 'info')).toEqual([]);
        expect(c.requiresAttestation).toBe(false);
      }
      if (c.verdict === 'GATED') expect(c.approvalsRequired).toBeGreaterThanOrEqual(1);
      for (const r of c.reasons) expect(r.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
    }
    if (report.state === 'SPLIT_BRAIN' || report.state === 'UNKNOWN') {
      expect(report.candidates.every((c) => c.verdict === 'BLOCKED')).toBe(true);
    }
}

describe('evaluateCluster scenarios', () => {
  it.each(rows)('$name', checkRow);
});

describe('evaluateCluster: acknowledged WAL (never SAFE for a candidate that lacks it)', () => {
  it.each(acknowledgedRows)('$name', checkRow);
});

describe('evaluateCluster output', () => {
  it('says where a replica to repoint stands against the fork point', () => {
    const report = evaluateCluster(scenario({ members: [newPrimary, bergenTl1(P - 10 * MiB)], primary: newPrimary, epoch: 2, history: forked() }));
    expect(report.needsRepoint).toEqual([
      {
        node: 'bergen-1',
        reason: `On timeline 1 with WAL up to ${lsn(P - 10 * MiB)}, not past ${lsn(P)} where timeline 2 forked: it has not diverged. Point primary_conninfo at oslo-2; it then follows timeline 2.`,
      },
    ]);
    expect(report.candidates[0].reasons.find((r) => r.code === 'NEEDS_REPOINT')).toEqual({
      code: 'NEEDS_REPOINT',
      effect: 'block',
      message: `bergen-1 is still on timeline 1 and received WAL up to ${lsn(P - 10 * MiB)}, not past ${lsn(P)} where timeline 2 forked: it has not diverged, but it follows no primary. Point it at oslo-2 before it can be promoted.`,
    });
  });

  it('explains the estimate with measured numbers and the unknown window', () => {
    const report = evaluateCluster(scenario({ members: [lostPrimary({}, [rep('oslo-2', 'async', 100 * MiB, 90)]), replica('oslo-2', 'oslo', 100 * MiB)] }));
    const c = report.candidates[0];
    expect(c.dataLoss).toMatchObject({ bytes: 60 * MiB, seconds: 90, unknownWindowSeconds: 35, worstCaseSeconds: 125, windowCoveredBySync: false });
    const msg = c.reasons.find((r) => r.code === 'EXCEEDS_RPO')!.message;
    expect(msg).toContain(`${60 * MiB} bytes`);
    expect(msg).toContain('90 s behind');
    expect(msg).toContain('unknown window of 35 s');
    expect(msg).toContain('60 s RPO bound of inventory');
    expect(c.rpoBoundSeconds).toBe(60);
    expect(c.strictestContext).toBe('inventory');
    expect(c.contexts).toEqual([{ slug: 'inventory', rpoBoundSeconds: 60, withinRpo: false }]);
  });

  it('ranks by replayed LSN, same site first at equal LSN', () => {
    const report = evaluateCluster(
      scenario({ members: [lostPrimary(), replica('bergen-2', 'bergen', P), bergen1(), oslo2(), replica('oslo-3', 'oslo', P - 20 * MiB)] }),
    );
    expect(report.candidates.map((c) => [c.node, c.rank])).toEqual([
      ['oslo-2', 1],
      ['bergen-2', 2],
      ['bergen-1', 3],
      ['oslo-3', 4],
    ]);
  });

  it('reports per-context RPO standing and the strictest context', () => {
    const report = evaluateCluster(
      scenario({
        members: [lostPrimary(), bergen1()],
        contexts: [ctx({ slug: 'audit', rpoBoundSeconds: 900 }), ctx({ slug: 'tasks', rpoBoundSeconds: 5 }), ctx({ slug: 'billing', rpoBoundSeconds: null })],
      }),
    );
    const c = report.candidates[0];
    expect(c.strictestContext).toBe('tasks');
    expect(c.rpoBoundSeconds).toBe(5);
    expect(c.contexts).toEqual([
      { slug: 'audit', rpoBoundSeconds: 900, withinRpo: true },
      { slug: 'tasks', rpoBoundSeconds: 5, withinRpo: false },
      { slug: 'billing', rpoBoundSeconds: null, withinRpo: null },
    ]);
    expect(c.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(['EXCEEDS_RPO', 'RPO_BOUND_UNSET']));
  });

  it('gives the manual runbook and the primary summary', () => {
    const report = evaluateCluster(scenario({ members: [lostPrimary(), oslo2()], contexts: [ctx({ failover: 'manual', runbook: 'Call the DBA.' })] }));
    expect(report.candidates[0].runbook).toContain('Call the DBA.');
    expect(report.primary).toMatchObject({ node: 'oslo-1', site: 'oslo', status: 'down', lsn: lsn(P), downForSeconds: 33, timeline: 1 });
    expect(report.evaluatedAt).toBe('2026-03-20T12:00:00.000Z');
  });

  it('does not depend on the clock: same input, same output', () => {
    const input = scenario({ members: [lostPrimary(), oslo2(), bergen1()] });
    expect(evaluateCluster(input)).toEqual(evaluateCluster(structuredClone(input)));
  });
});
