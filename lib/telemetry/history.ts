import { db } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { planHistoryRead, type THistoryTier, type THistoryTierName } from './history-plan';

// Chart history in tiers (README "History"): raw ObservationSample rows, per-minute and hourly
// ObservationRollup rows. The worker rolls complete buckets up (rollupHistory) and prunes each tier
// to its own retention (pruneHistory); charts read the tier that fits their range (readHistory).

export type THistoryRetention = { rawHours: number; minuteDays: number; hourDays: number };
export const historyRetention = (e = env()): THistoryRetention => ({ rawHours: e.VAKT_HISTORY_RAW_HOURS, minuteDays: e.VAKT_HISTORY_MINUTE_DAYS, hourDays: e.VAKT_HISTORY_HOUR_DAYS });

const MINUTE = 60;
const HOUR = 3600;
// one worker at a time rolls up (two upserting the same rows in different orders could deadlock)
const ROLLUP_LOCK_KEY = 0x76616b74_0002;
/** worst first: a bucket with one unknown sample reads unknown */
const WORST_STATUS = `CASE status WHEN 'unknown' THEN 0 WHEN 'down' THEN 1 ELSE 2 END`;
/** the longest stretch of raw samples rolled up in one call (a backlog is worked off over several) */
const MAX_ROLLUP_HOURS = 6;

/**
 * Roll complete minutes of raw samples into per-minute rollups, then complete hours of those into
 * hourly rollups. Idempotent (upserts): each call re-does the newest bucket it did before (late
 * samples) and goes on from the next sample after it (gaps are skipped), at most a few hours per call. Returns the rows written per tier; 0/0 when another worker holds the lock.
 */
export async function rollupHistory(): Promise<{ minute: number; hour: number }> {
  return db.$transaction(
    async (tx) => {
      const [{ locked }] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${ROLLUP_LOCK_KEY}::bigint) AS locked`;
      if (!locked) return { minute: 0, hour: 0 };
      const minute = await tx.$executeRawUnsafe(
        `WITH done AS (SELECT COALESCE(max("at") - interval '1 minute', '-infinity'::timestamp) AS t FROM "vakt"."ObservationRollup" WHERE step = ${MINUTE}),
         start AS (SELECT date_trunc('minute', min(s."at")) AS t FROM "vakt"."ObservationSample" s, done WHERE s."at" >= done.t)
         INSERT INTO "vakt"."ObservationRollup" ("memberId", step, "at", status, role, timeline, "lagBytes", "lagSeconds", "freeBytes", "totalBytes", samples)
         SELECT s."memberId", ${MINUTE}, date_trunc('minute', s."at"),
                (array_agg(s.status ORDER BY ${WORST_STATUS}, s."at" DESC))[1], (array_agg(s.role ORDER BY s."at" DESC))[1],
                (array_agg(s.timeline ORDER BY s."at" DESC))[1], max(s."lagBytes"), max(s."lagSeconds"), min(s."freeBytes"), max(s."totalBytes"), count(*)
           FROM "vakt"."ObservationSample" s, start
          WHERE s."at" >= start.t AND s."at" < LEAST(date_trunc('minute', now()), start.t + interval '${MAX_ROLLUP_HOURS} hours')
          GROUP BY 1, 3
         ON CONFLICT ("memberId", step, "at") DO UPDATE SET status = EXCLUDED.status, role = EXCLUDED.role, timeline = EXCLUDED.timeline,
           "lagBytes" = EXCLUDED."lagBytes", "lagSeconds" = EXCLUDED."lagSeconds", "freeBytes" = EXCLUDED."freeBytes", "totalBytes" = EXCLUDED."totalBytes", samples = EXCLUDED.samples`,
      );
      // hours are made of minute rollups; only hours whose last minute is rolled (complete) count
      const hour = await tx.$executeRawUnsafe(
        `WITH done AS (SELECT COALESCE(max("at"), '-infinity'::timestamp) AS t FROM "vakt"."ObservationRollup" WHERE step = ${HOUR}),
         start AS (SELECT date_trunc('hour', min(r."at")) AS t FROM "vakt"."ObservationRollup" r, done WHERE r.step = ${MINUTE} AND r."at" >= done.t),
         rolled AS (SELECT date_trunc('hour', max("at") + interval '1 minute') AS t FROM "vakt"."ObservationRollup" WHERE step = ${MINUTE})
         INSERT INTO "vakt"."ObservationRollup" ("memberId", step, "at", status, role, timeline, "lagBytes", "lagSeconds", "freeBytes", "totalBytes", samples)
         SELECT r."memberId", ${HOUR}, date_trunc('hour', r."at"),
                (array_agg(r.status ORDER BY ${WORST_STATUS}, r."at" DESC))[1], (array_agg(r.role ORDER BY r."at" DESC))[1],
                (array_agg(r.timeline ORDER BY r."at" DESC))[1], max(r."lagBytes"), max(r."lagSeconds"), min(r."freeBytes"), max(r."totalBytes"), sum(r.samples)
           FROM "vakt"."ObservationRollup" r, start, rolled
          WHERE r.step = ${MINUTE} AND r."at" >= start.t AND r."at" < LEAST(rolled.t, start.t + interval '${MAX_ROLLUP_HOURS * 4} hours')
          GROUP BY 1, 3
         ON CONFLICT ("memberId", step, "at") DO UPDATE SET status = EXCLUDED.status, role = EXCLUDED.role, timeline = EXCLUDED.timeline,
           "lagBytes" = EXCLUDED."lagBytes", "lagSeconds" = EXCLUDED."lagSeconds", "freeBytes" = EXCLUDED."freeBytes", "totalBytes" = EXCLUDED."totalBytes", samples = EXCLUDED.samples`,
      );
      return { minute, hour };
    },
    { timeout: 120_000, maxWait: 10_000 },
  );
}

async function deleteInBatches(sql: string, params: unknown[], batch: number, maxBatches: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const n = await db.$executeRawUnsafe(sql, ...params, batch);
    total += n;
    if (n < batch) break;
  }
  return total;
}

/**
 * Delete each tier past its retention, in bounded batches (never one huge delete). Raw samples and
 * minute rollups are only deleted once the next tier holds them (a lagging rollup keeps them).
 */
export async function pruneHistory(o: THistoryRetention & { batch?: number; maxBatches?: number }): Promise<{ raw: number; minute: number; hour: number }> {
  const batch = o.batch ?? 10_000;
  const maxBatches = o.maxBatches ?? 20;
  const rolledUntil = (step: number) => `COALESCE((SELECT max("at") FROM "vakt"."ObservationRollup" WHERE step = ${step}), '-infinity'::timestamp)`;
  const raw = await deleteInBatches(
    `DELETE FROM "vakt"."ObservationSample" WHERE id IN (
       SELECT id FROM "vakt"."ObservationSample" WHERE "at" < now() - ($1::float8 * interval '1 hour') AND "at" < ${rolledUntil(MINUTE)} LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    [o.rawHours],
    batch,
    maxBatches,
  );
  const tier = (step: number, guard: string) =>
    deleteInBatches(
      `DELETE FROM "vakt"."ObservationRollup" WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM "vakt"."ObservationRollup" WHERE step = ${step} AND "at" < now() - ($1::float8 * interval '1 day') ${guard} LIMIT $2 FOR UPDATE SKIP LOCKED))`,
      [step === MINUTE ? o.minuteDays : o.hourDays],
      batch,
      maxBatches,
    );
  const minute = await tier(MINUTE, `AND "at" < ${rolledUntil(HOUR)}`);
  const hour = await tier(HOUR, '');
  return { raw, minute, hour };
}

export type THistoryRow = { memberId: string; at: Date; status: string; role: string; lagBytes: number | null; lagSeconds: number | null; freeBytes: number | null; totalBytes: number | null };

/**
 * Chart points for members over the last `sinceMinutes`, at most `points` buckets per member (the
 * worst status, the last role, the largest lag and the least free storage of each bucket), read
 * from the tiers planHistoryRead picks for that range. Judged at the database's now().
 */
export async function readHistory(memberIds: string[], o: { sinceMinutes: number; points: number; retention?: THistoryRetention }): Promise<{ rows: THistoryRow[]; tiers: THistoryTierName[] }> {
  const keep = o.retention ?? historyRetention();
  const [w] = await db.$queryRawUnsafe<{ now: Date; minute: Date | null; hour: Date | null }[]>(
    `SELECT now() AS now, (SELECT max("at") FROM "vakt"."ObservationRollup" WHERE step = ${MINUTE}) AS minute,
            (SELECT max("at") FROM "vakt"."ObservationRollup" WHERE step = ${HOUR}) AS hour`,
  );
  const to = w.now.getTime();
  const rangeMs = o.sinceMinutes * 60_000;
  const bucketMs = Math.max(1000, Math.ceil(rangeMs / o.points));
  const tiers: THistoryTier[] = [
    { name: 'raw', stepMs: 0, keepMs: keep.rawHours * 3600_000, rolledUntil: null },
    { name: 'minute', stepMs: MINUTE * 1000, keepMs: keep.minuteDays * 86_400_000, rolledUntil: w.minute ? w.minute.getTime() + MINUTE * 1000 : null },
    { name: 'hour', stepMs: HOUR * 1000, keepMs: keep.hourDays * 86_400_000, rolledUntil: w.hour ? w.hour.getTime() + HOUR * 1000 : null },
  ];
  const segments = planHistoryRead({ from: to - rangeMs, to, bucketMs, tiers });
  if (!segments.length || !memberIds.length) return { rows: [], tiers: [] };
  const params: unknown[] = [memberIds, bucketMs];
  const parts = segments.map((s) => {
    params.push(new Date(s.from).toISOString(), new Date(s.to).toISOString());
    const [f, t] = [`$${params.length - 1}::timestamptz`, `$${params.length}::timestamptz`];
    const cols = `"memberId", "at", status, role, "lagBytes", "lagSeconds", "freeBytes", "totalBytes"`;
    return s.tier === 'raw'
      ? `SELECT ${cols} FROM "vakt"."ObservationSample" WHERE "memberId" = ANY($1::text[]) AND "at" >= ${f} AND "at" < ${t}`
      : `SELECT ${cols} FROM "vakt"."ObservationRollup" WHERE step = ${s.tier === 'minute' ? MINUTE : HOUR} AND "memberId" = ANY($1::text[]) AND "at" >= ${f} AND "at" < ${t}`;
  });
  const rows = await db.$queryRawUnsafe<THistoryRow[]>(
    `SELECT s."memberId",
            to_timestamp(floor(extract(epoch FROM s."at") * 1000 / $2::int) * $2::int / 1000.0) AS "at",
            (array_agg(s.status ORDER BY ${WORST_STATUS}))[1] AS status,
            (array_agg(s.role ORDER BY s."at" DESC))[1] AS role,
            max(s."lagBytes") AS "lagBytes", max(s."lagSeconds") AS "lagSeconds", min(s."freeBytes") AS "freeBytes", max(s."totalBytes") AS "totalBytes"
       FROM (${parts.join('\n UNION ALL ')}) s
      GROUP BY 1, 2
      ORDER BY 1, 2`,
    ...params,
  );
  return { rows, tiers: [...new Set(segments.map((s) => s.tier))] };
}
