// The PostgreSQL and cluster words Vakt uses everywhere (agent protocol, poller, safety engine,
// registry, API, console), each defined once as a zod schema with its type derived from it.
// Pure: no I/O.
import { z } from 'zod';

/** What a member's PostgreSQL answers as: a writable primary, a replica in recovery, or not known. */
export const ZNodeRole = z.enum(['primary', 'replica', 'unknown']);
export type TNodeRole = z.infer<typeof ZNodeRole>;

/** ok = agent answered and PostgreSQL reachable; down = agent answered, PostgreSQL not; unknown = agent unreachable or garbage. */
export const ZNodeStatus = z.enum(['ok', 'down', 'unknown']);
export type TNodeStatus = z.infer<typeof ZNodeStatus>;

/** A PostgreSQL timeline ID (1 for a cluster never promoted, +1 per promotion). */
export const ZTimeline = z.number().int().min(1);

/** A point in time: Date, epoch milliseconds, or an ISO-8601 string. Unparseable -> treated as missing. */
export type TInstant = Date | number | string;

/** Epoch milliseconds, or null when missing or unparseable (callers fail closed on null). */
export function toMs(t: TInstant | null | undefined): number | null {
  if (t === null || t === undefined) return null;
  const ms = t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);
  return Number.isFinite(ms) ? ms : null;
}

export function toIso(t: TInstant | null | undefined): string | null {
  const ms = toMs(t);
  return ms === null ? null : new Date(ms).toISOString();
}
