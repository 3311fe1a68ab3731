// Data-loss estimate for promoting one candidate (docs/safety.md).
//
// What is measured and what is not:
// - bytes: the best known position the primary reached (its last ok observation, the LSN history
//   recorded, and anything other replicas received from it) minus what the candidate has received
//   (received WAL is replayed before promotion completes). Never negative.
// - seconds: the candidate's lag at the primary's last ok observation (flush lag, else replay lag,
//   from pg_stat_replication); without one, the age of its last replayed commit at that moment
//   (overstates on an idle primary, never understates). 0 when bytes is 0, and 0 when the
//   candidate holds the primary's last observed LSN (the missing bytes were then written inside
//   the unknown window, which is accounted separately). null when it cannot be measured.
// - unknownWindowSeconds: now − last time the primary was seen ok. Vakt cannot see writes in that
//   window, and an unreachable primary may still be taking them, so the conservative total
//   (worstCaseSeconds) adds the whole window to the measured seconds.
// - The window is covered (not added) only when synchronous replication proves the candidate holds
//   every acknowledged commit: the candidate was 'sync'/'quorum' at the last primary observation,
//   has received at least the primary's last LSN, the primary's synchronous_commit waited for
//   standbys, and every other standby that could have acknowledged commits instead
//   (sync/quorum/potential) is freshly observed and has received no more than the candidate.
import type { TDataLoss, TInstant, TReplicationEntry } from './types';
import { lsnBytes, lsnValue, maxLsn, toMs } from '@/lib/pg';
import { secondsSince } from './helpers';

export interface TDataLossInput {
  now: Date | number;
  candidate: { name: string; receiveLsn: string | null; replayLsn: string | null; lastReplayAt: TInstant | null };
  /** What is known about the primary from its last ok observation and history; null = nothing. */
  primary: {
    lastLsn: string | null;
    lastSeenOkAt: TInstant | null;
    replication: TReplicationEntry[];
    synchronousCommit?: string | null;
  } | null;
  /** Other positions the primary is known to have reached (e.g. what other replicas received). */
  knownPrimaryLsns: Array<string | null>;
  /** The other standbys, to prove no one else could have acknowledged commits the candidate lacks. */
  peers: Array<{ name: string; fresh: boolean; receivedLsn: string | null }>;
}

const SYNCHRONOUS = new Set(['sync', 'quorum']);
const MAY_ACKNOWLEDGE = new Set(['sync', 'quorum', 'potential']);

export function estimateDataLoss(input: TDataLossInput): TDataLoss {
  const nowMs = toMs(input.now) ?? NaN;
  const { candidate, primary } = input;
  const replication = primary?.replication ?? [];
  const entry = replication.find((r) => r.applicationName === candidate.name) ?? null;

  const candidateLsn = maxLsn([candidate.receiveLsn, candidate.replayLsn, entry?.flushLsn]);
  const referenceLsn = maxLsn([
    primary?.lastLsn,
    ...replication.flatMap((r) => [r.sentLsn, r.flushLsn, r.replayLsn]),
    ...input.knownPrimaryLsns,
  ]);
  const unknownWindowSeconds = primary ? secondsSince(primary.lastSeenOkAt, nowMs) : null;

  const diff = lsnBytes(referenceLsn, candidateLsn);
  const bytes = diff === null ? null : Math.max(0, diff);

  let seconds: number | null;
  if (bytes === 0) seconds = 0;
  else if (bytes === null) seconds = null;
  else if (atOrAbove(candidateLsn, primary?.lastLsn ?? null)) seconds = 0; // the missing bytes lie in the unknown window
  else seconds = measuredLagSeconds(entry, candidate.lastReplayAt, primary?.lastSeenOkAt ?? null);

  const syncState = entry?.syncState ?? null;
  const windowCoveredBySync = isCoveredBySync(input, entry, candidateLsn) && unknownWindowSeconds !== null;

  let worstCaseSeconds: number | null;
  if (seconds === null) worstCaseSeconds = null;
  else if (windowCoveredBySync) worstCaseSeconds = seconds;
  else worstCaseSeconds = unknownWindowSeconds === null ? null : seconds + unknownWindowSeconds;

  return {
    bytes,
    seconds,
    unknownWindowSeconds,
    windowCoveredBySync,
    worstCaseSeconds,
    referenceLsn,
    candidateLsn,
    syncState,
  };
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

function isCoveredBySync(input: TDataLossInput, entry: TReplicationEntry | null, candidateLsn: string | null): boolean {
  const primary = input.primary;
  if (!primary || !entry || !SYNCHRONOUS.has(entry.syncState ?? '')) return false;
  const commit = (primary.synchronousCommit ?? 'on').toLowerCase();
  if (commit === 'off' || commit === 'local') return false;
  const cand = lsnValue(candidateLsn);
  const last = lsnValue(primary.lastLsn);
  if (cand === null || last === null || cand < last) return false;
  for (const other of primary.replication) {
    if (other.applicationName === input.candidate.name || !MAY_ACKNOWLEDGE.has(other.syncState ?? '')) continue;
    const peer = input.peers.find((p) => p.name === other.applicationName);
    if (!peer || !peer.fresh) return false;
    const peerLsn = lsnValue(peer.receivedLsn);
    if (peerLsn === null || peerLsn > cand) return false;
  }
  return true;
}
