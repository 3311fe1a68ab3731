// Keeps the read model current (called by the worker loop, ./loop.ts). One round per kind:
//  1. rows for new clusters/contexts (never computed: they read as stale until computed);
//  2. claim up to `batch` rows that are due — changed inputs first (ReadModelChange rows, appended by
//     database triggers in every writer's own transaction), then the oldest computation once it is older
//     than `refreshMs` (time alone changes verdicts) — FOR UPDATE SKIP LOCKED, so several workers share
//     the work and never compute the same row at once; a dead worker's locks go with its connection;
//  3. note the newest change id per row BEFORE reading the inputs, compute, store, and delete the
//     changes up to that id (a change committed meanwhile stays, so the row is due again);
//  4. NOTIFY the stream (./listener.ts) for rows whose digest (what pages show) changed.
import { db, dbNow } from '@/lib/base/db';
import { computeClusters, computeContexts } from './compute';

export const NOTIFY_CHANNEL = 'vakt_readmodel';
export type TChangeKind = 'cluster' | 'context';
/** A NOTIFY payload (and a stream event): which cluster or context pages should re-read. */
export type TReadModelEvent = { kind: 'cluster'; name: string } | { kind: 'context'; slug: string };

const TABLE = { cluster: { table: 'ClusterReadModel', key: 'clusterId', source: 'Cluster' }, context: { table: 'ContextReadModel', key: 'contextId', source: 'BoundedContext' } } as const;

export type TRefreshResult = { computed: number; notified: number };

/** One round for one kind: claim, compute, store, notify. Returns how many rows were computed. */
export async function refreshDue(kind: TChangeKind, opts: { refreshMs: number; batch: number; computedBefore?: Date }): Promise<TRefreshResult> {
  const t = TABLE[kind];
  // 1. never-computed rows (computedAt = epoch 0: stale until the first computation), and changes of
  //    clusters/contexts that no longer exist
  await db.$executeRawUnsafe(
    `INSERT INTO "vakt"."${t.table}" ("${t.key}", "computedAt", "inputs", ${kind === 'cluster' ? `"state", "report", "view", ` : `"findings", `}"digest")
     SELECT s.id, 'epoch', '{}', ${kind === 'cluster' ? `'UNKNOWN', 'null', 'null', ` : `'[]', `}'' FROM "vakt"."${t.source}" s
      WHERE NOT EXISTS (SELECT 1 FROM "vakt"."${t.table}" r WHERE r."${t.key}" = s.id)
     ON CONFLICT DO NOTHING`,
  );
  await db.$executeRawUnsafe(
    `DELETE FROM "vakt"."ReadModelChange" ch WHERE ch.kind = $1 AND NOT EXISTS (SELECT 1 FROM "vakt"."${t.table}" r WHERE r."${t.key}" = ch.key)`,
    kind,
  );
  return db.$transaction(
    async (tx) => {
      const claimed = await tx.$queryRawUnsafe<{ key: string }[]>(
        `SELECT r."${t.key}" AS key FROM "vakt"."${t.table}" r
          WHERE r."computedAt" < COALESCE($4::timestamptz, now() - ($2::int * interval '1 millisecond'))
             OR EXISTS (SELECT 1 FROM "vakt"."ReadModelChange" ch WHERE ch.kind = $1 AND ch.key = r."${t.key}")
          ORDER BY EXISTS (SELECT 1 FROM "vakt"."ReadModelChange" ch WHERE ch.kind = $1 AND ch.key = r."${t.key}") DESC, r."computedAt" ASC
          LIMIT $3
          FOR UPDATE OF r SKIP LOCKED`,
        kind,
        opts.refreshMs,
        opts.batch,
        opts.computedBefore?.toISOString() ?? null,
      );
      if (!claimed.length) return { computed: 0, notified: 0 };
      const keys = claimed.map((c) => c.key);
      const seen = await tx.$queryRawUnsafe<{ key: string; upto: bigint }[]>(
        `SELECT key, max(id) AS upto FROM "vakt"."ReadModelChange" WHERE kind = $1 AND key = ANY($2::text[]) GROUP BY key`,
        kind,
        keys,
      );
      const before = await tx.$queryRawUnsafe<{ key: string; digest: string }[]>(`SELECT "${t.key}" AS key, digest FROM "vakt"."${t.table}" WHERE "${t.key}" = ANY($1::text[])`, keys);
      const digestBefore = new Map(before.map((b) => [b.key, b.digest]));
      // Vakt's database time, read now (statement time, not the transaction's start)
      const now = await dbNow();
      const events: TReadModelEvent[] = [];
      if (kind === 'cluster') {
        const out = await computeClusters(keys, now);
        if (out.length) {
          // one JSON document for the batch (no per-element array escaping of large values)
          await tx.$executeRawUnsafe(
            `UPDATE "vakt"."ClusterReadModel" r SET "computedAt" = t.at, "inputs" = t.inputs, "state" = t.state, "report" = t.report, "view" = t.view, "digest" = t.digest, "item" = t.item
               FROM jsonb_to_recordset($1::jsonb) AS t(id text, at timestamptz, inputs jsonb, state text, report jsonb, view jsonb, digest text, item jsonb)
              WHERE r."clusterId" = t.id`,
            JSON.stringify(out.map((o) => ({ id: o.id, at: o.computedAt.toISOString(), inputs: o.inputs, state: o.report.state, report: o.report, view: o.view, digest: o.digest, item: o.item }))),
          );
        }
        for (const o of out) if (digestBefore.get(o.id) !== o.digest) events.push({ kind: 'cluster', name: o.name });
      } else {
        const out = await computeContexts(keys, now);
        if (out.length) {
          await tx.$executeRawUnsafe(
            `UPDATE "vakt"."ContextReadModel" r SET "computedAt" = t.at, "inputs" = t.inputs, "findings" = t.findings, "digest" = t.digest, "readiness" = t.readiness, "item" = t.item, "detail" = t.detail
               FROM jsonb_to_recordset($1::jsonb) AS t(id text, at timestamptz, inputs jsonb, findings jsonb, digest text, readiness jsonb, item jsonb, detail jsonb)
              WHERE r."contextId" = t.id`,
            JSON.stringify(out.map((o) => ({ id: o.id, at: o.computedAt.toISOString(), inputs: o.inputs, findings: o.findings, digest: o.digest, readiness: o.readiness, item: o.item, detail: o.detail }))),
          );
        }
        for (const o of out) if (digestBefore.get(o.id) !== o.digest) events.push({ kind: 'context', slug: o.slug });
      }
      if (seen.length) {
        await tx.$executeRawUnsafe(
          `DELETE FROM "vakt"."ReadModelChange" ch USING unnest($2::text[], $3::bigint[]) AS s(key, upto) WHERE ch.kind = $1 AND ch.key = s.key AND ch.id <= s.upto`,
          kind,
          seen.map((s) => s.key),
          seen.map((s) => String(s.upto)),
        );
      }
      // delivered on commit, to every app process LISTENing (one connection each: ./listener.ts)
      if (events.length) await tx.$executeRawUnsafe(`SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p`, NOTIFY_CHANNEL, events.map((e) => JSON.stringify(e)));
      return { computed: claimed.length, notified: events.length };
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
}

/** Recomputes every row (of `kinds`, default both) now, round by round (what the worker's loop does over time), until none is left; for tests, scripts and benchmarks that read right after writing. */
export async function refreshUntilIdle(opts: { batch?: number; kinds?: TChangeKind[] } = {}): Promise<void> {
  const batch = opts.batch ?? 50;
  const kinds = opts.kinds ?? ['cluster', 'context'];
  const computedBefore = await dbNow();
  for (let busy = true; busy; ) {
    busy = false;
    for (const kind of kinds) if ((await refreshDue(kind, { refreshMs: 0, batch, computedBefore })).computed >= batch) busy = true;
  }
}
