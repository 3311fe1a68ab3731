// Small pure helpers shared by the safety engine. Time (toMs, toIso) and LSN arithmetic (lsnValue,
// maxLsn, lsnBytes: never throw, null when unknown) are lib/pg's, the one PostgreSQL vocabulary.
import { lsnValue, maxLsn, toMs } from '@/lib/pg';
import type { TClusterHistory, TInstant, TMemberInput, TMemberObservation, TSafetyConfig } from './types';

export const DEFAULT_SAFETY_CONFIG: TSafetyConfig = {
  staleAfterSeconds: 15,
  primaryDownForSeconds: 30,
  flapWindowSeconds: 600,
  flapDownsThreshold: 2,
  streamingEvidenceSeconds: 15,
  approvalsDefault: 1,
  maxClockSkewMs: 2000,
  futureToleranceSeconds: 1,
  salvageBytesPerSecond: 32 * 1024 * 1024,
  salvageStartSeconds: 5,
  switchoverMaxLagBytes: 16 * 1024 * 1024,
};

export function resolveConfig(partial: Partial<TSafetyConfig> | undefined): TSafetyConfig {
  const merged = { ...DEFAULT_SAFETY_CONFIG, ...(partial ?? {}) };
  // The streaming-evidence window follows staleAfter unless set explicitly.
  if (partial?.streamingEvidenceSeconds === undefined) merged.streamingEvidenceSeconds = merged.staleAfterSeconds;
  return merged;
}

/**
 * Seconds from `from` to `now`; null when `from` is unknown or lies more than
 * `futureToleranceSeconds` after `now` (a timestamp from the future is a fault: it is never "0 s ago",
 * so it never makes anything fresh and never shortens a window). Within the tolerance it counts as 0.
 */
export function secondsSince(
  from: TInstant | null | undefined,
  nowMs: number,
  cfg: Pick<TSafetyConfig, 'futureToleranceSeconds'> = DEFAULT_SAFETY_CONFIG,
): number | null {
  const ms = toMs(from);
  if (ms === null) return null;
  const s = (nowMs - ms) / 1000;
  if (s < -cfg.futureToleranceSeconds) return null;
  return Math.max(0, s);
}

export function isFresh(obs: TMemberObservation | null, nowMs: number, cfg: TSafetyConfig): boolean {
  if (!obs) return false;
  const age = secondsSince(obs.observedAt, nowMs, cfg);
  return age !== null && age <= cfg.staleAfterSeconds;
}

/**
 * The member's clock differs from Vakt's database clock by more than maxClockSkewMs: the poller stores
 * it as unknown with an error starting 'CLOCK_SKEW'; the engine also checks the measured skew itself.
 */
export function isClockSkewed(obs: TMemberObservation | null, cfg: TSafetyConfig): boolean {
  if (!obs) return false;
  if (typeof obs.error === 'string' && obs.error.startsWith('CLOCK_SKEW')) return true;
  const skew = obs.clockSkewMs;
  return typeof skew === 'number' && (!Number.isFinite(skew) || Math.abs(skew) > cfg.maxClockSkewMs);
}

/**
 * An observation that may serve as evidence for a positive conclusion (fenced, fenceable, could not
 * have acknowledged more): fresh, the agent answered now (ok, or down when `down` is allowed), and its
 * clock is not skewed. Evidence against promoting (a writer, a live stream) does not need this.
 */
export function answeredNow(obs: TMemberObservation | null, nowMs: number, cfg: TSafetyConfig, opts: { down?: boolean } = {}): boolean {
  if (!obs || !isFresh(obs, nowMs, cfg) || isClockSkewed(obs, cfg)) return false;
  return obs.status === 'ok' || (opts.down === true && obs.status === 'down');
}

/** A fresh observation in which PostgreSQL answered as a writable primary. */
export function claimsPrimary(m: TMemberInput, nowMs: number, cfg: TSafetyConfig): boolean {
  const o = m.observation;
  return !!o && o.status === 'ok' && o.role === 'primary' && isFresh(o, nowMs, cfg);
}

/** Where a replica's WAL position stands: received (will be replayed on promotion), else replayed. */
export function receivedLsn(obs: TMemberObservation | null): string | null {
  if (!obs) return null;
  return maxLsn([obs.receiveLsn, obs.walReceiver?.flushedLsn, obs.replayLsn]);
}

/**
 * The most advanced WAL position a member is known to hold: written (currentLsn), received, flushed by
 * its WAL receiver or replayed, from its latest observation and its last good one.
 */
export function walEnd(m: TMemberInput): string | null {
  return maxLsn([m.observation, m.lastGood].flatMap((o) => (o ? [o.currentLsn, o.receiveLsn, o.walReceiver?.flushedLsn, o.replayLsn] : [])));
}

/**
 * A replica the last promotion left behind on the old timeline without diverging: it received no WAL
 * past the point where the new timeline forked, so pointing it at the new primary is enough (with
 * recovery_target_timeline = 'latest' it then follows the new timeline). Null when it does not
 * qualify or anything is unknown (fork point, timelines, positions): then it counts as diverged. The
 * replaced primary never qualifies (it may have written past the fork), nor a fenced node.
 */
export function repointFork(
  m: TMemberInput,
  history: TClusterHistory,
  primaryTimeline: number | null,
): { receivedLsn: string; forkLsn: string; previousTimeline: number; newTimeline: number } | null {
  const p = history.previousPromotion;
  const o = m.observation;
  if (!p || !o || m.name === p.fromNode || m.name === p.node) return null;
  const fork = lsnValue(p.forkLsn);
  if (fork === null || p.previousTimeline == null || p.newTimeline == null || primaryTimeline !== p.newTimeline) return null;
  if (o.status !== 'ok' || o.role !== 'replica' || o.fencing?.fenced || o.timeline !== p.previousTimeline) return null;
  const received = receivedLsn(o);
  const value = lsnValue(received);
  if (value === null || value > fork) return null;
  return { receivedLsn: received!, forkLsn: p.forkLsn!, previousTimeline: p.previousTimeline, newTimeline: p.newTimeline };
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  do {
    v /= 1024;
    i++;
  } while (v >= 1024 && i < units.length - 1);
  return `${n} bytes (${v.toFixed(1)} ${units[i]})`;
}

export function fmtSeconds(s: number): string {
  const r = Math.round(s * 10) / 10;
  if (r < 120) return `${r} s`;
  if (r < 7200) return `${r} s (${Math.round(r / 6) / 10} min)`;
  return `${r} s (${Math.round(r / 360) / 10} h)`;
}
