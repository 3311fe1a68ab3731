import { unknownObservation, type TObservation } from './observation';

// An agent's clock skew: its answer's collectedAt minus Vakt's database time at the midpoint of the
// request (start + half the round trip). Only measured, never used as a time: a member whose skew is
// above VAKT_MAX_CLOCK_SKEW_MS is stored 'unknown' with reason CLOCK_SKEW (docs/safety.md "Clocks").

/** collectedAt − database time at the request's midpoint, in ms; null = no (valid) collectedAt. */
export function measureClockSkew(payload: unknown, requestStart: Date, requestEnd: Date): number | null {
  const collectedAt = (payload as { collectedAt?: unknown } | null | undefined)?.collectedAt;
  if (typeof collectedAt !== 'string') return null;
  const agentMs = Date.parse(collectedAt);
  if (!Number.isFinite(agentMs)) return null;
  const midpoint = (requestStart.getTime() + requestEnd.getTime()) / 2;
  return Math.round(agentMs - midpoint);
}

export function clockSkewMessage(skewMs: number): string {
  return `CLOCK_SKEW: agent clock is ${Math.abs(skewMs)} ms ${skewMs > 0 ? 'ahead of' : 'behind'} Vakt's database`;
}

/**
 * Stamp an observation with the database time of its request's midpoint and its agent's skew; a skew
 * beyond maxSkewMs turns it into 'unknown' (no role, positions or fencing; the answer stays as payload).
 */
export function stampObservation(obs: TObservation, p: { requestStart: Date; requestEnd: Date; maxSkewMs: number }): TObservation {
  const observedAt = new Date((p.requestStart.getTime() + p.requestEnd.getTime()) / 2);
  const clockSkewMs = obs.payload === null || obs.payload === undefined ? null : measureClockSkew(obs.payload, p.requestStart, p.requestEnd);
  if (clockSkewMs !== null && Math.abs(clockSkewMs) > p.maxSkewMs && obs.status !== 'unknown') {
    // unknown: no role, positions or fencing; identity, storage and the answer (payload) stay for display
    const unknown = unknownObservation(`${clockSkewMessage(clockSkewMs)} (more than VAKT_MAX_CLOCK_SKEW_MS = ${p.maxSkewMs})`, observedAt);
    return { ...unknown, clockSkewMs, systemIdentifier: obs.systemIdentifier, freeBytes: obs.freeBytes, totalBytes: obs.totalBytes, paused: obs.paused, payload: obs.payload };
  }
  return { ...obs, observedAt, clockSkewMs };
}
