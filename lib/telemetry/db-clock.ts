import { db } from '@/lib/base/db';

// Vakt's database clock as seen from this worker: every observation is stamped with the database's
// time, never the worker's (docs/safety.md "Clocks"). One `SELECT clock_timestamp()` anchors the
// database time to this process's monotonic clock (performance.now(), midpoint of the query's round
// trip); between anchors the monotonic clock only measures elapsed time, so a worker whose wall clock
// is wrong still stamps database time.
export type TDbClock = {
  /** database time now */
  now(): Date;
  /** database time at a performance.now() reading */
  at(perfMs: number): Date;
  /** re-anchor when the anchor is older than maxAgeMs (0 = always) */
  sync(maxAgeMs?: number): Promise<void>;
};

/** Database time at `perfMs` from an anchor (pure). */
export function dbTimeAt(anchor: { dbMs: number; perfMs: number }, perfMs: number): Date {
  return new Date(anchor.dbMs + (perfMs - anchor.perfMs));
}

export async function createDbClock(opts: { resyncMs?: number } = {}): Promise<TDbClock> {
  let anchor = { dbMs: 0, perfMs: 0 };
  let anchoredAt = -Infinity;
  const resyncMs = opts.resyncMs ?? 10_000;
  const sync = async (maxAgeMs = resyncMs) => {
    if (performance.now() - anchoredAt < maxAgeMs) return;
    const t0 = performance.now();
    const [{ t }] = await db.$queryRawUnsafe<{ t: Date }[]>(`SELECT clock_timestamp() AS t`);
    const t1 = performance.now();
    anchor = { dbMs: t.getTime(), perfMs: (t0 + t1) / 2 };
    anchoredAt = t1;
  };
  await sync(0);
  return { now: () => dbTimeAt(anchor, performance.now()), at: (perfMs) => dbTimeAt(anchor, perfMs), sync };
}
