// Input and output types of the promotion-safety engine (docs/safety.md; the report is the shape of
// GET /api/v1/clusters/{name}/safety, docs/api.md). Self-contained on purpose: adapters build these
// from the database; the engine never reads anything else. Everything the verdict depends on is here.
// The PostgreSQL words (instants, node status and role, cluster kind) are lib/pg's, re-exported so
// importers of the engine keep one import.
import type { TClusterKind, TInstant, TNodeRole, TNodeStatus } from '@/lib/pg';

export type { TClusterKind, TInstant, TNodeRole, TNodeStatus };
export type TClusterState = 'HEALTHY' | 'DEGRADED' | 'PRIMARY_DOWN' | 'SPLIT_BRAIN' | 'UNKNOWN';
export type TVerdict = 'SAFE' | 'GATED' | 'MANUAL' | 'BLOCKED';
export type TFailoverMode = 'automatic' | 'operator-approved' | 'manual';
export type TCrossSiteStance = 'required' | 'optional' | 'not-assumed';

/** One row of pg_stat_replication as the primary reported it. `applicationName` is the member name. */
export interface TReplicationEntry {
  applicationName: string;
  state: string | null; // streaming | catchup | startup | backup | stopping
  syncState: string | null; // sync | quorum | potential | async
  sentLsn?: string | null;
  flushLsn: string | null;
  replayLsn: string | null;
  flushLagSeconds?: number | null;
  replayLagSeconds: number | null;
  replayLagBytes: number | null;
}

export interface TWalReceiverInfo {
  status: string | null; // streaming | waiting | stopping | ...
  /** Member name the adapter resolved sender host:port to; null/absent = unknown (counts as the primary: fail closed). */
  senderNode?: string | null;
  receivedTimeline?: number | null;
  flushedLsn?: string | null;
  lastMsgReceiptTime?: TInstant | null;
}

export interface TMemberObservation {
  observedAt: TInstant;
  /** Last time this node was seen 'ok' (may equal observedAt). */
  lastOkAt: TInstant | null;
  /** ok = agent answered and PostgreSQL reachable; down = agent answered, PostgreSQL not; unknown = agent unreachable or garbage. */
  status: TNodeStatus;
  error?: string | null;
  role: TNodeRole;
  timeline: number | null;
  systemIdentifier: string | null;
  currentLsn: string | null;
  receiveLsn: string | null;
  replayLsn: string | null;
  lastReplayAt: TInstant | null;
  replication: TReplicationEntry[];
  walReceiver: TWalReceiverInfo | null;
  fencing: { epoch: number; fenced: boolean } | null;
  synchronousStandbyNames: string | null;
  /** The primary's synchronous_commit, when known (off/local means commits did not wait for any standby). */
  synchronousCommit?: string | null;
  /**
   * synchronous_commit set per role and/or database (pg_db_role_setting) on the primary: commits of such
   * a role or database wait for no standby when the value is local/off, so sync coverage is never claimed
   * while any override is local or off. Null/absent = not reported (coverage is not claimed either).
   */
  synchronousCommitOverrides?: Array<{ role: string | null; database: string | null; value: string }> | null;
  /** The agent's clock minus Vakt's database clock (ms), corrected by half the round trip; null = not measured. */
  clockSkewMs?: number | null;
  /** Patroni members only: what this member's Patroni said (null/absent for Vakt agents). */
  patroni?: TPatroniFacts | null;
  /**
   * The agent answered (status down) that PostgreSQL is stopped with no postmaster left, and proved
   * where its WAL ends on disk (pg_controldata after a clean shutdown, the end of valid WAL after a
   * crash). Null/absent = not proven (a postmaster may run, an older agent, Patroni-only member).
   */
  finalPosition?: TProvenFinalPosition | null;
  /** Where peers can stream WAL from this member (WAL salvage); null/absent = not configured. */
  replicationAddress?: { host: string; port: number } | null;
  /**
   * Patroni members with a Vakt agent registered beside them: what that agent answered in the same poll
   * (kept even when Patroni did not answer). Null/absent = no such agent.
   */
  fenceAgent?: TFenceAgentFacts | null;
}

export interface TProvenFinalPosition {
  basis: 'clean-shutdown' | 'crash-wal-end';
  /** the end of the last valid WAL record: a replica that received everything holds exactly this */
  lsn: string;
  timeline: number | null;
  proof: string;
}

/** The Vakt agent beside a Patroni member, as the engine reads it (fencing in pause mode, streaming evidence). */
export interface TFenceAgentFacts {
  answered: boolean;
  error: string | null;
  /** whether the agent could query its PostgreSQL (null: the agent did not answer) */
  postgresReachable: boolean | null;
  role: TNodeRole;
  fencing: { epoch: number; fenced: boolean } | null;
  walReceiver: TWalReceiverInfo | null;
}

/** One Patroni member's answer as evidence: pause mode, its PostgreSQL state, and every member as its /cluster lists it. */
export interface TPatroniFacts {
  paused: boolean | null;
  /** PostgreSQL's state per this member's /patroni: running, stopped, crashed, starting, ... */
  state: string | null;
  members: Array<{ name: string; role: string | null; state: string | null }>;
  /** the leader only: the members its /patroni lists streaming from it (pg_stat_replication application names) */
  streaming?: string[];
}

export interface TMemberInput {
  name: string;
  site: string;
  /** Latest observation, whatever its status; null = never observed. */
  observation: TMemberObservation | null;
  /** The last observation with status 'ok' (its observedAt is when). Null = never seen ok. */
  lastGood: TMemberObservation | null;
}

export interface TClusterHistory {
  /** The last known primary: name, timeline and LSN last seen on it, and when it was last seen ok. */
  expectedPrimary: {
    node: string;
    timeline: number | null;
    lastLsn: string | null;
    lastSeenOkAt: TInstant | null;
  } | null;
  /** When Vakt first saw the current primary outage (null while the primary is ok, or unknown). */
  primaryDownSince: TInstant | null;
  /** Times the primary went from ok to not-ok (recent ones suffice), for the flapping guard. */
  primaryDownEvents?: TInstant[];
  /**
   * The last promotion: the node promoted, the node it replaced, the epoch it claimed, and where its new
   * timeline forked: `previousTimeline` (the one the promoted node was on) ended at `forkLsn` and
   * `newTimeline` began there. Unknown fork (null/absent) = every replica left on the old timeline
   * counts as diverged (fail closed).
   */
  previousPromotion: {
    node: string;
    fromNode: string | null;
    epoch: number;
    at?: TInstant | null;
    forkLsn?: string | null;
    previousTimeline?: number | null;
    newTimeline?: number | null;
  } | null;
  /**
   * Every node a promotion replaced and that no later promotion made primary again: a known loser by
   * epoch and timeline. One of them answering as a writable primary is SPLIT_BRAIN (not DEGRADED).
   */
  replacedPrimaries?: Array<{ node: string; epoch: number; timeline: number | null }>;
  /**
   * A promotion whose promote call did not say whether it finished (pg_promote timed out): the node
   * may still become primary at any moment, so every other promotion of the cluster is blocked
   * (CANDIDATE_PROMOTING) until its role is observed. Null/absent = none.
   */
  promoting?: { node: string; since: TInstant | null; promotionId?: string } | null;
  /**
   * The primary the latest planned switchover stopped (a request EXECUTING or COMPLETED whose `stop`
   * step is ok): fenced with `epoch`, its final WAL position `finalLsn` proven on `timeline` (null =
   * unknown), the stop proven at `stoppedAt` (Vakt's database clock: the `stop` step's time). An
   * observation of it taken before that is not evidence that it writes now (docs/safety.md "Split
   * brain"). Its `candidate` answering with exactly that epoch (the cluster's) was promoted by it: not
   * superseded even when an earlier promotion replaced it. Null/absent = none.
   */
  stoppedPrimary?: { node: string; candidate: string; epoch: number; finalLsn: string; timeline: number | null; stoppedAt: TInstant; promotionId?: string } | null;
}

export interface TContextPolicy {
  slug: string;
  rpoClass: string;
  /** Numeric bound of the RPO class; null = the class exists but its bound is not chosen yet. */
  rpoBoundSeconds: number | null;
  rtoClass: string;
  rtoBoundSeconds: number | null;
  crossSite: TCrossSiteStance;
  failover: TFailoverMode;
  replication: { local: 'sync' | 'async'; crossSite: 'sync' | 'async' | 'none' };
  acceptedCrossSiteDataLossSeconds?: number | null;
  approvalsRequired: 1 | 2;
  runbook: string;
  /** the context has a proposed declaration but no accepted one: every promotion is gated (DECLARATION_NOT_ACCEPTED) */
  notAccepted?: boolean;
}

export interface TSafetyConfig {
  /** An observation older than this is stale (default 15 s = 3 poll intervals). */
  staleAfterSeconds: number;
  /** Automatic action needs the primary down at least this long (default 30 s). */
  primaryDownForSeconds: number;
  /** Flapping: this many primary outages within flapWindowSeconds (defaults 2 in 600 s). */
  flapWindowSeconds: number;
  flapDownsThreshold: number;
  /** A replica's last WAL receipt newer than this counts as "still streaming" (default staleAfterSeconds). */
  streamingEvidenceSeconds: number;
  /** Floor for approvals on any GATED verdict (default 1). NO_CONTEXTS always needs 2. */
  approvalsDefault: 1 | 2;
  /** A member whose agent clock differs from Vakt's database clock by more than this is unknown (CLOCK_SKEW; default 2000). */
  maxClockSkewMs: number;
  /** A timestamp more than this far after `now` is a fault: never fresh, never shortens a window (default 1 s). */
  futureToleranceSeconds: number;
  /** WAL salvage estimate: streaming throughput (bytes/s, default 32 MiB/s) and a fixed start cost (s, default 5). */
  salvageBytesPerSecond: number;
  salvageStartSeconds: number;
  /** Planned switchover: a candidate further behind than this (received or replayed) is not started (default 16 MiB). */
  switchoverMaxLagBytes: number;
}

export interface TSafetyInput {
  cluster: { name: string; kind: TClusterKind; epoch: number };
  now: Date | number;
  config?: Partial<TSafetyConfig>;
  members: TMemberInput[];
  history: TClusterHistory;
  contexts: TContextPolicy[];
  /** Site of the old primary; defaults to the expected primary member's site. Unknown -> every candidate counts as cross-site. */
  primarySite?: string | null;
}

// ---------- output ----------

export type TReasonEffect = 'block' | 'manual' | 'gate' | 'info';

export interface TReason {
  code: string;
  message: string;
  /** What the reason does to the verdict (extension of the public shape; clients may ignore it). */
  effect: TReasonEffect;
}

export interface TDataLoss {
  /** Measured bytes behind the best known primary position; null = cannot be measured. */
  bytes: number | null;
  /** Measured seconds behind at the last fresh primary observation; null = cannot be measured. */
  seconds: number | null;
  /** now − last time the primary was seen ok; writes in this window are unknown. Null = never seen ok. */
  unknownWindowSeconds: number | null;
  /** True when synchronous replication guarantees the candidate holds every acknowledged commit, window included. */
  windowCoveredBySync: boolean;
  /** Conservative total compared with RPO bounds: seconds (+ unknown window unless covered). Null = unknown. */
  worstCaseSeconds: number | null;
  referenceLsn: string | null;
  candidateLsn: string | null;
  /** The candidate's sync_state at the last primary observation. */
  syncState: string | null;
  /**
   * How the loss is known: `proven-final` = the stopped old primary's agent proved where its WAL ends
   * (the window is closed, bytes are exact); `measured-window` = measured at the last sighting plus the
   * unknown window since; `unknown` = the bytes cannot be measured.
   */
  basis: 'measured-window' | 'proven-final' | 'unknown';
  /** the bytes are exact (proven final position minus what the candidate received) */
  exact: boolean;
  /** the old primary's proven final WAL position (proven-final only) */
  finalLsn: string | null;
  /** short text: how the final position is known, e.g. "clean shutdown at 0/9000028 (pg_controldata)" */
  proof: string | null;
}

/**
 * WAL salvage for one candidate (an execution step that can only make the outcome better; the verdict
 * is decided on the loss without it): where the WAL the candidate lacks still exists, how much of it
 * can be brought over, and how long that should take; or why it is impossible.
 */
export interface TSalvagePlan {
  possible: boolean;
  /** the member to stream the missing WAL from (the fenced old primary started read-only, or a more advanced replica) */
  source: string | null;
  sourceKind: 'old-primary' | 'replica' | null;
  /** the position salvage brings the candidate to */
  targetLsn: string | null;
  /** bytes salvage brings over */
  bytes: number | null;
  /** bytes still lost after salvage (the loss with salvage) */
  remainingBytes: number | null;
  expectedSeconds: number | null;
  reason: string;
}

export interface TCandidateVerdict {
  node: string;
  site: string;
  crossSite: boolean;
  verdict: TVerdict;
  approvalsRequired: number;
  reasons: TReason[];
  dataLoss: TDataLoss;
  rpoBoundSeconds: number | null;
  strictestContext: string | null;
  contexts: Array<{ slug: string; rpoBoundSeconds: number | null; withinRpo: boolean | null }>;
  requiresAttestation: boolean;
  replayLsn: string | null;
  rank: number;
  /** Runbook of the manual context(s) when the verdict is MANUAL. */
  runbook: string | null;
  salvage: TSalvagePlan;
}

export interface TPrimarySummary {
  node: string;
  site: string | null;
  status: TNodeStatus | 'stale' | 'not-observed';
  role: TNodeRole | null;
  observedAt: string | null;
  ageSeconds: number | null;
  lastSeenOkAt: string | null;
  downForSeconds: number | null;
  timeline: number | null;
  lsn: string | null;
  fenced: boolean | null;
}

export interface TSafetyReport {
  cluster: string;
  state: TClusterState;
  epoch: number;
  evaluatedAt: string;
  primary: TPrimarySummary | null;
  alarms: Array<{ code: string; message: string }>;
  candidates: TCandidateVerdict[];
  fenceTarget: string | null;
  needsRebuild: Array<{ node: string; reason: string }>;
  /** Replicas left on the old timeline at or before the fork point: not diverged, only to be pointed at the primary. */
  needsRepoint: Array<{ node: string; reason: string }>;
  /** planned switchover verdicts (absent in reports stored before issue 15) */
  switchover?: TSwitchoverReport;
}

// ---------- planned switchover (issue 15; evaluate-switchover.ts) ----------

/** One replica as a planned-switchover target: zero loss by construction, so no loss reasons; the primary must be healthy. */
export interface TSwitchoverCandidate {
  node: string;
  site: string;
  crossSite: boolean;
  verdict: TVerdict;
  approvalsRequired: number;
  reasons: TReason[];
  /** bytes the candidate has not received yet (primary's current LSN minus its received position); null = unknown */
  lagBytes: number | null;
  /** bytes it has not replayed yet; null = unknown */
  replayLagBytes: number | null;
  timeline: number | null;
}

export interface TSwitchoverReport {
  /** the healthy primary a switchover would stop (null: none) */
  primary: string | null;
  /** the lag bound a candidate must be within to start (bytes) */
  maxLagBytes: number;
  candidates: TSwitchoverCandidate[];
}
