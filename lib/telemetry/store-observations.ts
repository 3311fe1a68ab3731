import { dbNow, pgPool } from '@/lib/base/db';
import type { TReplicationPeer } from '@/lib/agent/protocol';
import { clusterEvents, clusterSignals, nodeEvents, type TEventDraft, type TMemberSignal } from './derive-events';
import type { TClaimedNode } from './claim-nodes';
import type { TObservation } from './observation';
import { withReplicaLag, type TPrimaryView } from './replica-lag';

export type TPollResult = { node: TClaimedNode; obs: TObservation; durationMs: number };
export type TStoreOptions = {
  workerId: string;
  intervalMs: number;
  sample: (memberId: string, changed: boolean, at: Date) => boolean;
  /** Vakt's database time now (the poller's database clock); absent = read with `SELECT now()` */
  now?: Date;
};
export type TStoreResult = { events: (TEventDraft & { clusterId: string })[]; samples: number };

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * Next due time: keep each node's phase (spread over the interval); a node that fell behind is
 * re-spread over the next half interval — never sooner than one interval after this poll.
 */
export function nextPollAt(due: Date, now: Date, intervalMs: number, rnd: () => number = Math.random): Date {
  const next = due.getTime() + intervalMs;
  if (next > now.getTime() + intervalMs * 0.1) return new Date(next);
  return new Date(now.getTime() + intervalMs * (1 + 0.5 * rnd()));
}

/** Primary view per cluster for replica lag: from this batch, else the latest stored primary observation. */
async function primaryViews(results: TPollResult[]): Promise<Map<string, TPrimaryView>> {
  const views = new Map<string, TPrimaryView>();
  for (const r of results) {
    if (r.obs.status === 'ok' && r.obs.role === 'primary') {
      const payload = r.obs.payload as { postgres?: { replication?: TReplicationPeer[] } } | null;
      views.set(r.node.clusterId, { name: r.node.name, lsn: r.obs.lsn, replication: payload?.postgres?.replication ?? null });
    }
  }
  const need = [...new Set(results.filter((r) => r.obs.status === 'ok' && r.obs.role === 'replica' && r.obs.lagBytes === null && !views.has(r.node.clusterId)).map((r) => r.node.clusterId))];
  if (need.length) {
    const { rows } = await pgPool().query<{ clusterId: string; name: string; lsn: string | null; replication: TReplicationPeer[] | null }>(
      `SELECT DISTINCT ON (m."clusterId") m."clusterId", m.name, o.lsn, o.payload->'postgres'->'replication' AS replication
         FROM "vakt"."NodeObservation" o JOIN "vakt"."ClusterMember" m ON m.id = o."memberId"
        WHERE m."clusterId" = ANY($1::text[]) AND o.role = 'primary' AND o.status = 'ok'
        ORDER BY m."clusterId", o."observedAt" DESC`,
      [need],
    );
    for (const r of rows) views.set(r.clusterId, { name: r.name, lsn: r.lsn, replication: Array.isArray(r.replication) ? r.replication : null });
  }
  return views;
}

/**
 * Store one batch of poll results with a fixed number of statements whatever the batch size (one
 * write statement, plus reads for replica lag and cluster events when needed): multi-row upsert of
 * the latest observations, the last good observation of nodes that answered ok (NodeLastGood;
 * written only here), history samples, lease release + next due time, and derived events — in one
 * transaction.
 */
export async function storePollResults(results: TPollResult[], opts: TStoreOptions): Promise<TStoreResult> {
  if (!results.length) return { events: [], samples: 0 };
  const views = await primaryViews(results);
  // database time, never this worker's clock (next due times are compared with the database's now())
  const now = opts.now ?? (await dbNow());
  const rows = results.map((r) => {
    const v = views.get(r.node.clusterId);
    const obs = withReplicaLag(r.obs, r.node.name, v && v.name !== r.node.name ? v : null);
    return { ...r, obs };
  });

  // events per node; cluster signals for clusters where something that matters changed
  const events: (TEventDraft & { clusterId: string })[] = [];
  const touched = new Set<string>();
  for (const r of rows) {
    const evs = nodeEvents(r.node.name, r.node.prev, r.obs);
    for (const e of evs) events.push({ ...e, clusterId: r.node.clusterId });
    if (evs.length) touched.add(r.node.clusterId);
  }
  if (touched.size) {
    const { rows: current } = await pgPool().query<TMemberSignal & { clusterId: string; memberId: string }>(
      `SELECT m."clusterId", m.id AS "memberId", m.name, o.status, o.role, o.timeline, o."systemIdentifier", o.fenced
         FROM "vakt"."ClusterMember" m JOIN "vakt"."NodeObservation" o ON o."memberId" = m.id
        WHERE m."clusterId" = ANY($1::text[])`,
      [[...touched]],
    );
    for (const clusterId of touched) {
      const before = current.filter((c) => c.clusterId === clusterId);
      const mine = new Map(rows.filter((r) => r.node.clusterId === clusterId).map((r) => [r.node.memberId, r]));
      const after: TMemberSignal[] = before.filter((b) => !mine.has(b.memberId));
      for (const r of mine.values()) after.push({ name: r.node.name, status: r.obs.status, role: r.obs.role, timeline: r.obs.timeline, systemIdentifier: r.obs.systemIdentifier, fenced: r.obs.fenced });
      for (const e of clusterEvents(clusterSignals(before), clusterSignals(after))) events.push({ ...e, clusterId });
    }
  }

  const sampled = rows.filter((r) => {
    const p = r.node.prev;
    const changed = !p || p.status !== r.obs.status || p.role !== r.obs.role || p.timeline !== r.obs.timeline;
    return opts.sample(r.node.memberId, changed, r.obs.observedAt);
  });
  const sampledIds = new Set(sampled.map((r) => r.node.memberId));
  // One statement, one round trip, one transaction (data-modifying CTEs over one JSON document):
  // the latest observations, the last good observation of nodes that answered ok (NodeLastGood;
  // written only here: copied from the row just stored, so it matches what NodeObservation kept;
  // newer wins), lease release + next due time, history samples and derived events. On the plain
  // pg pool: the document goes to PostgreSQL as it is (lib/base/db.ts pgPool).
  await pgPool().query(
    `WITH t AS MATERIALIZED (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(m text, at timestamptz, status text, error text, role text, timeline int, sysid text, lsn text, rlsn text, plsn text,
                                                      lagb float8, lags float8, sync text, fenced bool, epoch int, okat timestamptz, payload jsonb, skew float8,
                                                      next timestamptz, sample bool, free float8, total float8)),
     obs AS (
       INSERT INTO "vakt"."NodeObservation" ("memberId","observedAt","status","error","role","timeline","systemIdentifier","lsn","receiveLsn","replayLsn",
                                            "lagBytes","lagSeconds","syncState","fenced","fenceEpoch","lastOkAt","payload","clockSkewMs")
       SELECT t.m, t.at, t.status, t.error, t.role, t.timeline, t.sysid, t.lsn, t.rlsn, t.plsn, t.lagb, t.lags, t.sync, t.fenced, t.epoch, t.okat, t.payload, t.skew FROM t
       ON CONFLICT ("memberId") DO UPDATE SET
         "observedAt" = EXCLUDED."observedAt", "status" = EXCLUDED."status", "error" = EXCLUDED."error", "role" = EXCLUDED."role",
         "timeline" = COALESCE(EXCLUDED."timeline", CASE WHEN EXCLUDED."status" = 'ok' THEN NULL ELSE "NodeObservation"."timeline" END),
         "systemIdentifier" = COALESCE(EXCLUDED."systemIdentifier", "NodeObservation"."systemIdentifier"),
         "lsn" = EXCLUDED."lsn", "receiveLsn" = EXCLUDED."receiveLsn", "replayLsn" = EXCLUDED."replayLsn",
         "lagBytes" = EXCLUDED."lagBytes", "lagSeconds" = EXCLUDED."lagSeconds", "syncState" = EXCLUDED."syncState",
         "fenced" = CASE WHEN EXCLUDED."status" = 'unknown' THEN "NodeObservation"."fenced" ELSE EXCLUDED."fenced" END,
         "fenceEpoch" = COALESCE(EXCLUDED."fenceEpoch", "NodeObservation"."fenceEpoch"),
         "lastOkAt" = COALESCE(EXCLUDED."lastOkAt", "NodeObservation"."lastOkAt"),
         "payload" = COALESCE(EXCLUDED."payload", "NodeObservation"."payload"),
         "clockSkewMs" = EXCLUDED."clockSkewMs"
       WHERE "NodeObservation"."observedAt" <= EXCLUDED."observedAt"
       RETURNING "memberId", "observedAt", "status", "role", "timeline", "systemIdentifier", "lsn", "payload"),
     lg AS (
       INSERT INTO "vakt"."NodeLastGood" ("memberId","observedAt","role","timeline","systemIdentifier","lsn","payload",
                                          "primaryObservedAt","primaryLsn","primaryTimeline")
       SELECT o."memberId", o."observedAt", o."role", o."timeline", o."systemIdentifier", o."lsn", o."payload",
              CASE WHEN o."role" = 'primary' THEN o."observedAt" END, CASE WHEN o."role" = 'primary' THEN o."lsn" END,
              CASE WHEN o."role" = 'primary' THEN o."timeline" END
         FROM obs o WHERE o."status" = 'ok'
       ON CONFLICT ("memberId") DO UPDATE SET "observedAt" = EXCLUDED."observedAt", "role" = EXCLUDED."role",
         "timeline" = EXCLUDED."timeline", "systemIdentifier" = EXCLUDED."systemIdentifier", "lsn" = EXCLUDED."lsn", "payload" = EXCLUDED."payload",
         -- the last sighting as primary: only a primary answer moves it; a replica answer never clears it
         "primaryObservedAt" = COALESCE(EXCLUDED."primaryObservedAt", "NodeLastGood"."primaryObservedAt"),
         "primaryLsn" = CASE WHEN EXCLUDED."primaryObservedAt" IS NOT NULL THEN EXCLUDED."primaryLsn" ELSE "NodeLastGood"."primaryLsn" END,
         "primaryTimeline" = CASE WHEN EXCLUDED."primaryObservedAt" IS NOT NULL THEN EXCLUDED."primaryTimeline" ELSE "NodeLastGood"."primaryTimeline" END
       WHERE "NodeLastGood"."observedAt" < EXCLUDED."observedAt"),
     -- the ids as an array too, so the members are found through their primary key (joined to t
     -- alone, the planner scans every member for every batch: a cost that grows with the fleet)
     mem AS (
       UPDATE "vakt"."ClusterMember" m SET "nextPollAt" = t.next, "leaseUntil" = NULL FROM t
        WHERE m.id = ANY(ARRAY(SELECT t.m FROM t)) AND m.id = t.m AND m."leaseOwner" = $2),
     smp AS (
       INSERT INTO "vakt"."ObservationSample" ("memberId","at","status","role","timeline","lagBytes","lagSeconds","freeBytes","totalBytes")
       SELECT t.m, t.at, t.status, t.role, t.timeline, t.lagb, t.lags, t.free, t.total FROM t WHERE t.sample),
     ev AS (
       INSERT INTO "vakt"."ClusterEvent" ("clusterId","memberName","at","kind","severity","message","data")
       SELECT e.c, e.member, $4::timestamptz, e.kind, e.severity, e.message, e.data
         FROM jsonb_to_recordset($3::jsonb) AS e(c text, member text, kind text, severity text, message text, data jsonb))
     SELECT 1`,
    [JSON.stringify(
      rows.map((r) => ({
        m: r.node.memberId,
        at: iso(r.obs.observedAt),
        status: r.obs.status,
        error: r.obs.error,
        role: r.obs.role,
        timeline: r.obs.timeline,
        sysid: r.obs.systemIdentifier,
        lsn: r.obs.lsn,
        rlsn: r.obs.receiveLsn,
        plsn: r.obs.replayLsn,
        lagb: r.obs.lagBytes,
        lags: r.obs.lagSeconds,
        sync: r.obs.syncState,
        fenced: r.obs.fenced,
        epoch: r.obs.fenceEpoch,
        okat: r.obs.status === 'ok' ? iso(r.obs.observedAt) : null,
        payload: r.obs.payload ?? null,
        skew: r.obs.clockSkewMs ?? null,
        next: iso(nextPollAt(r.node.nextPollAt, now, opts.intervalMs)),
        sample: sampledIds.has(r.node.memberId),
        free: r.obs.freeBytes,
        total: r.obs.totalBytes,
      })),
    ),
    opts.workerId,
    JSON.stringify(events.map((e) => ({ c: e.clusterId, member: e.memberName, kind: e.kind, severity: e.severity, message: e.message, data: e.data ?? null }))),
    now.toISOString(), // database time
  ]);
  return { events, samples: sampled.length };
}
