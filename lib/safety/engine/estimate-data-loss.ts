// Data-loss estimate for promoting one candidate (docs/safety.md).
//
// What is measured and what is not:
// - bytes: the most advanced position known for ANY member (the primary's last LSN from history and
//   its last sightings as primary, what its pg_stat_replication showed, and every member's WAL end:
//   written, received, flushed or replayed, latest and last good observation) minus what the
//   candidate has received (received WAL is replayed before promotion completes). Never negative.
// - seconds: the candidate's lag at the primary's last ok observation (flush lag, else replay lag,
//   from pg_stat_replication); without one, the age of its last replayed commit at that moment
//   (overstates on an idle primary, never understates). 0 when bytes is 0, and 0 when the
//   candidate holds the primary's last observed LSN (the missing bytes were then written inside
//   the unknown window, which is accounted separately). null when it cannot be measured.
// - unknownWindowSeconds: now − last time the primary was seen ok AS PRIMARY. Vakt cannot see writes
//   in that window, and an unreachable primary may still be taking them, so the conservative total
//   (worstCaseSeconds) adds the whole window to the measured seconds. A last-seen time in the future
//   (beyond futureToleranceSeconds) is a fault: the window is unknown, never 0.
// - The window is covered (not added) only when synchronous replication proves the candidate holds
//   every acknowledged commit (syncCoverage below): synchronous_standby_names semantics, not the
//   sync_state of one pg_stat_replication snapshot.
// - A proven final position (basis proven-final): the stopped old primary's agent proved where its WAL
//   ends (no postmaster left; pg_controldata after a clean shutdown, the end of valid WAL after a
//   crash). The window is closed: bytes = final LSN − candidate, exact; unknownWindowSeconds 0; the
//   seconds bound the time the missing bytes span: the lag at the last sighting (when the candidate
//   lacks WAL from before it) plus the closed window from the last sighting to the first time Vakt saw
//   it down (`stoppedBy`; now when unknown). The caller trusts the proof only when it is consistent
//   (same timeline, at or past every position known): see evaluate-cluster.ts.
import type { TDataLoss, TInstant, TMemberObservation, TProvenFinalPosition, TReplicationEntry } from './types';
import { lsnBytes, lsnValue, maxLsn, toMs } from '@/lib/pg';
import { DEFAULT_SAFETY_CONFIG, fmtBytes, secondsSince } from './helpers';
import { describeSyncStandbyNames, mayAcknowledge, parseSyncStandbyNames } from './sync-standby-names';

export interface TDataLossInput {
  now: Date | number;
  /** A timestamp more than this after `now` is a fault (default 1 s). */
  futureToleranceSeconds?: number;
  candidate: {
    name: string;
    receiveLsn: string | null;
    replayLsn: string | null;
    lastReplayAt: TInstant | null;
    /** when the candidate's position was observed (with a proven final position: exact only if after the primary stopped) */
    observedAt?: TInstant | null;
  };
  /** What is known about the primary from its last sighting as primary and history; null = nothing. */
  primary: {
    /** The primary's member name: never one of its own acknowledgers. */
    node?: string | null;
    lastLsn: string | null;
    lastSeenOkAt: TInstant | null;
    replication: TReplicationEntry[];
    synchronousCommit?: string | null;
    synchronousStandbyNames?: string | null;
    synchronousCommitOverrides?: TMemberObservation['synchronousCommitOverrides'];
    /** where the stopped primary's WAL ends, proven on its disk (closes the unknown window) */
    finalPosition?: TProvenFinalPosition | null;
    /** the first time Vakt saw it down: it wrote nothing after (bounds the closed window) */
    stoppedBy?: TInstant | null;
  } | null;
  /** Every other position known for any member (their WAL ends). */
  memberWalEnds: Array<string | null>;
  /**
   * Every other standby member (not the candidate, not the primary), to prove no one else could have
   * acknowledged commits the candidate lacks. `fresh` = freshly observed, answered ok, clock not skewed;
   * `walEnd` = the most advanced position known for it.
   */
  peers: Array<{ name: string; fresh: boolean; walEnd: string | null; notFresh?: string }>;
}

/** synchronous_commit values whose commits wait for the synchronous standbys. */
const WAITS_FOR_STANDBY = new Set(['on', 'remote_write', 'remote_apply']);

export function estimateDataLoss(input: TDataLossInput): TDataLoss {
  return explainDataLoss(input).loss;
}

/** The estimate plus, when the window is not covered by sync, why not (for the SYNC_NOT_PROVEN reason). */
export function explainDataLoss(input: TDataLossInput): { loss: TDataLoss; syncNotProven: string | null } {
  const nowMs = toMs(input.now) ?? NaN;
  const tolerance = { futureToleranceSeconds: input.futureToleranceSeconds ?? DEFAULT_SAFETY_CONFIG.futureToleranceSeconds };
  const { candidate, primary } = input;
  const replication = primary?.replication ?? [];
  const entry = replication.find((r) => r.applicationName === candidate.name) ?? null;

  const candidateLsn = maxLsn([candidate.receiveLsn, candidate.replayLsn, entry?.flushLsn]);
  const final = primary?.finalPosition ?? null;
  const referenceLsn = maxLsn([
    primary?.lastLsn,
    final?.lsn,
    ...replication.flatMap((r) => [r.sentLsn, r.flushLsn, r.replayLsn]),
    ...input.memberWalEnds,
  ]);
  const diff = lsnBytes(referenceLsn, candidateLsn);
  const bytes = diff === null ? null : Math.max(0, diff);
  if (final && primary) return provenLoss(input, { final, referenceLsn, candidateLsn, bytes, entry, nowMs, tolerance });
  const unknownWindowSeconds = primary ? secondsSince(primary.lastSeenOkAt, nowMs, tolerance) : null;

  let seconds: number | null;
  if (bytes === 0) seconds = 0;
  else if (bytes === null) seconds = null;
  else if (atOrAbove(candidateLsn, primary?.lastLsn ?? null)) seconds = 0; // the missing bytes lie in the unknown window
  else seconds = measuredLagSeconds(entry, candidate.lastReplayAt, primary?.lastSeenOkAt ?? null);

  const syncState = entry?.syncState ?? null;
  const syncNotProven = unknownWindowSeconds === null ? 'the primary was never seen ok as primary (or only at a time in the future), so the window is unbounded' : syncCoverage(input, candidateLsn);
  const windowCoveredBySync = syncNotProven === null;

  let worstCaseSeconds: number | null;
  if (seconds === null) worstCaseSeconds = null;
  else if (windowCoveredBySync) worstCaseSeconds = seconds;
  else worstCaseSeconds = unknownWindowSeconds === null ? null : seconds + unknownWindowSeconds;

  return {
    loss: {
      bytes,
      seconds,
      unknownWindowSeconds,
      windowCoveredBySync,
      worstCaseSeconds,
      referenceLsn,
      candidateLsn,
      syncState,
      basis: bytes === null || worstCaseSeconds === null ? 'unknown' : 'measured-window',
      exact: false,
      finalLsn: null,
      proof: null,
    },
    syncNotProven,
  };
}

/** The loss once the stopped primary's final position is proven: exact bytes, the window closed. */
function provenLoss(
  input: TDataLossInput,
  o: { final: TProvenFinalPosition; referenceLsn: string | null; candidateLsn: string | null; bytes: number | null; entry: TReplicationEntry | null; nowMs: number; tolerance: { futureToleranceSeconds: number } },
): { loss: TDataLoss; syncNotProven: string | null } {
  const primary = input.primary!;
  const { bytes } = o;
  let seconds: number | null;
  if (bytes === 0) seconds = 0;
  else if (bytes === null) seconds = null;
  else {
    // the missing bytes span at most: the lag at the last sighting (only when the candidate lacks WAL
    // from before it) plus the closed window from the last sighting to when Vakt first saw it down
    const seenMs = toMs(primary.lastSeenOkAt);
    const stopMs = toMs(primary.stoppedBy ?? null) ?? o.nowMs;
    const closed = seenMs === null ? null : Math.max(0, (Math.min(stopMs, o.nowMs) - seenMs) / 1000);
    const before = atOrAbove(o.candidateLsn, primary.lastLsn) ? 0 : measuredLagSeconds(o.entry, input.candidate.lastReplayAt, primary.lastSeenOkAt);
    seconds = closed === null || before === null ? null : before + closed;
  }
  return {
    loss: {
      bytes,
      seconds,
      unknownWindowSeconds: 0,
      windowCoveredBySync: false,
      worstCaseSeconds: seconds,
      referenceLsn: o.referenceLsn,
      candidateLsn: o.candidateLsn,
      syncState: o.entry?.syncState ?? null,
      basis: bytes === null ? 'unknown' : 'proven-final',
      // exact only when the candidate's position was observed after the primary stopped: before, it may
      // still have been receiving, and the bytes are an upper bound until its next poll
      exact: bytes !== null && observedAfter(input.candidate.observedAt ?? null, primary.stoppedBy ?? null),
      finalLsn: o.final.lsn,
      proof: o.final.proof,
    },
    syncNotProven: null,
  };
}

function observedAfter(at: TInstant | null, stoppedBy: TInstant | null): boolean {
  const a = toMs(at);
  const b = toMs(stoppedBy);
  return a !== null && b !== null && a >= b;
}

function measuredLagSeconds(
  entry: TReplicationEntry | null,
  lastReplayAt: TInstant | null,
  primarySeenOkAt: TInstant | null,
): number | null {
  const lag = entry?.flushLagSeconds ?? entry?.replayLagSeconds ?? null;
  if (lag !== null && Number.isFinite(lag)) return Math.max(0, lag);
  // No lag measurement although bytes are missing: fall back to how old the candidate's last
  // replayed commit was when the primary was last seen ok (an over-estimate, never an under-estimate).
  const seen = toMs(primarySeenOkAt);
  const replayed = toMs(lastReplayAt);
  if (seen !== null && replayed !== null) return Math.max(0, (seen - replayed) / 1000);
  return null;
}

function atOrAbove(a: string | null, b: string | null): boolean {
  const va = lsnValue(a);
  const vb = lsnValue(b);
  return va !== null && vb !== null && va >= vb;
}

/**
 * Null when synchronous replication proves the candidate holds every acknowledged commit, else why not:
 * (a) the primary's synchronous_commit waits for standbys (on/remote_write/remote_apply) and the
 *     role/database overrides were reported, none of them local/off (or anything else that does not wait);
 * (b) synchronous_standby_names parses and every standby that could have acknowledged commits (every
 *     listed member, or every standby for '*') is a member, freshly observed, answering, clock not skewed;
 * (c) the candidate has received at least the primary's last LSN and at least as much as each of them;
 * (d) the candidate is itself one of the possible acknowledgers.
 * Priorities and FIRST/ANY only decide which of the listed standbys acknowledged at a given moment;
 * any of them may have, as the standby set changes between polls, so all of them count.
 * A transaction that lowers its own synchronous_commit (SET LOCAL) cannot be seen by anyone.
 */
function syncCoverage(input: TDataLossInput, candidateLsn: string | null): string | null {
  const { primary, candidate } = input;
  if (!primary) return 'nothing is known about the primary';
  const who = primary.node ?? 'the primary';
  const commit = primary.synchronousCommit == null ? null : primary.synchronousCommit.trim().toLowerCase();
  if (commit === null) return `the synchronous_commit setting of ${who} is not known`;
  if (!WAITS_FOR_STANDBY.has(commit)) return `synchronous_commit on ${who} is ${commit}: commits did not wait for a standby`;
  const overrides = primary.synchronousCommitOverrides;
  if (!Array.isArray(overrides)) return `the role and database settings of synchronous_commit on ${who} were not reported, so some commits may not have waited for a standby`;
  const local = overrides.find((o) => !WAITS_FOR_STANDBY.has(String(o.value).trim().toLowerCase()));
  if (local) {
    const scope = [local.role ? `role ${local.role}` : null, local.database ? `database ${local.database}` : null].filter(Boolean).join(' in ') || 'a role or database';
    return `${scope} sets synchronous_commit = ${local.value} on ${who}: its commits did not wait for a standby`;
  }
  const config = parseSyncStandbyNames(primary.synchronousStandbyNames);
  if (!config) {
    const raw = primary.synchronousStandbyNames;
    return raw == null || raw.trim() === ''
      ? `synchronous_standby_names on ${who} is ${raw == null ? 'not known' : 'empty'}: no standby acknowledged commits`
      : `synchronous_standby_names on ${who} ('${raw}') cannot be parsed`;
  }
  const names = describeSyncStandbyNames(config);
  if (!mayAcknowledge(config, candidate.name)) return `${candidate.name} is not listed in synchronous_standby_names (${names}), so no commit waited for it`;
  const cand = lsnValue(candidateLsn);
  if (cand === null) return `the position of ${candidate.name} is not known`;
  const last = lsnValue(primary.lastLsn);
  if (last === null) return `the last LSN of ${who} is not known`;
  if (cand < last) return `${candidate.name} has not received ${who}'s last observed LSN ${primary.lastLsn} (${fmtBytes(lsnBytes(primary.lastLsn, candidateLsn) ?? 0)} short)`;

  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const isPrimary = (n: string) => !!primary.node && same(n, primary.node);
  const acknowledgers =
    config.names === '*'
      ? input.peers
      : input.peers.filter((p) => mayAcknowledge(config, p.name));
  if (config.names !== '*') {
    const unknown = config.names.find((n) => !same(n, candidate.name) && !isPrimary(n) && !input.peers.some((p) => same(p.name, n)));
    if (unknown) return `synchronous_standby_names (${names}) lists ${unknown}, which is not a member Vakt observes: it may have acknowledged commits`;
  } else {
    const stranger = primary.replication.find((r) => !same(r.applicationName, candidate.name) && !isPrimary(r.applicationName) && !input.peers.some((p) => same(p.name, r.applicationName)));
    if (stranger) return `synchronous_standby_names is '*' and ${stranger.applicationName}, which is not a member Vakt observes, streamed from ${who}: it may have acknowledged commits`;
  }
  for (const p of acknowledgers) {
    if (!p.fresh) return `${p.name} could have acknowledged commits (${names}) but is not freshly observed${p.notFresh ? ` (${p.notFresh})` : ''}`;
    const v = lsnValue(p.walEnd);
    if (v === null) return `${p.name} could have acknowledged commits (${names}) but its position is not known`;
    if (v > cand) return `${p.name} could have acknowledged commits (${names}) and holds ${fmtBytes(lsnBytes(p.walEnd, candidateLsn) ?? 0)} more WAL than ${candidate.name}`;
  }
  return null;
}
