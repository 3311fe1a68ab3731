import client from 'prom-client';
import { db } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { metrics } from './metrics';

// Fleet gauges from the stored observations (any app instance answers the same), read with a fixed
// number of queries whatever the fleet size: nothing is evaluated per scrape. Labels are registry names
// (cluster, member, site: validated slugs) and closed vocabularies (status, role): never free text.
// Cluster and context gauges from the read model are lib/alerts/read-model-metrics.ts.
type TGauges = ReturnType<typeof create>;
const g = globalThis as unknown as { vaktFleetGauges?: TGauges };
const NODE = ['cluster', 'member'] as const;

function create() {
  const r = metrics().registry;
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = [] as unknown as readonly L[]) => new client.Gauge({ name, help, labelNames, registers: [r] });
  return {
    nodes: gauge('vakt_nodes', 'Registered nodes by last observed status (ok, down, unknown, never, stale)', ['status']),
    overdue: gauge('vakt_poll_overdue_seconds', 'How far the most overdue node is past its poll time (worker lag)'),
    overdueNodes: gauge('vakt_poll_overdue_nodes', 'Nodes more than one poll interval past their poll time'),
    workers: gauge('vakt_workers', 'Workers with a heartbeat in the last 30 s'),
    heartbeatAge: gauge('vakt_worker_heartbeat_age_seconds', 'Seconds since each worker heartbeat', ['worker']),
    up: gauge('vakt_node_up', '1 when the node was observed fresh with PostgreSQL reachable (status ok), else 0', [...NODE, 'site']),
    status: gauge('vakt_node_status', '1 for the last observed status of each node (ok, down, unknown, never, stale)', [...NODE, 'status']),
    role: gauge('vakt_node_role', '1 for the last observed role of each node (primary, replica, unknown)', [...NODE, 'role']),
    observationAge: gauge('vakt_node_observation_age_seconds', 'Seconds since the node was last observed', NODE),
    timeline: gauge('vakt_node_timeline', 'PostgreSQL timeline the node reports', NODE),
    lagBytes: gauge('vakt_node_replication_lag_bytes', "Replica lag in bytes (from the primary's pg_stat_replication)", NODE),
    lagSeconds: gauge('vakt_node_replication_lag_seconds', "Replica replay lag in seconds (from the primary's pg_stat_replication)", NODE),
    archiveFailures: gauge('vakt_node_wal_archive_failures', "pg_stat_archiver failed_count on the node (rises while archive_command fails)", NODE),
    archiveFailing: gauge('vakt_node_wal_archive_failing', '1 when the last WAL archive failure is newer than the last success', NODE),
    archiveSuccessAge: gauge('vakt_node_wal_archive_last_success_age_seconds', 'Seconds since the node last archived a WAL file', NODE),
    storageFree: gauge('vakt_node_storage_free_ratio', "Free fraction of the data directory's file system (0..1)", NODE),
    fenced: gauge('vakt_node_fenced', '1 when the node is fenced by Vakt', NODE),
    clockSkew: gauge('vakt_node_clock_skew_seconds', "The agent's clock minus Vakt's database clock", NODE),
  };
}

type TNodeRow = {
  cluster: string;
  member: string;
  site: string;
  status: string | null;
  role: string | null;
  age: number | null;
  timeline: number | null;
  lagBytes: number | null;
  lagSeconds: number | null;
  clockSkewMs: number | null;
  fenced: boolean | null;
  freeBytes: number | null;
  totalBytes: number | null;
  archiveFailed: number | null;
  archiveFailing: boolean | null;
  archiveOkAge: number | null;
};

const NODE_SQL = `
  SELECT c.name AS cluster, m.name AS member, s.name AS site, o.status, o.role, o.timeline,
         extract(epoch FROM now() - o."observedAt")::float8 AS age,
         o."lagBytes", o."lagSeconds", o."clockSkewMs", o.fenced,
         (o.payload #>> '{storage,freeBytes}')::float8 AS "freeBytes",
         (o.payload #>> '{storage,totalBytes}')::float8 AS "totalBytes",
         (o.payload #>> '{postgres,archiver,failedCount}')::float8 AS "archiveFailed",
         ((o.payload #>> '{postgres,archiver,lastFailedAt}')::timestamptz > coalesce((o.payload #>> '{postgres,archiver,lastArchivedAt}')::timestamptz, '-infinity')) AS "archiveFailing",
         extract(epoch FROM now() - (o.payload #>> '{postgres,archiver,lastArchivedAt}')::timestamptz)::float8 AS "archiveOkAge"
    FROM "vakt"."ClusterMember" m
    JOIN "vakt"."Cluster" c ON c.id = m."clusterId"
    JOIN "vakt"."Site" s ON s.id = m."siteId"
    LEFT JOIN "vakt"."NodeObservation" o ON o."memberId" = m.id`;

const ROLES = ['primary', 'replica', 'unknown'];
const STATUSES = ['ok', 'down', 'unknown', 'never', 'stale'];

export async function collectFleetGauges(): Promise<void> {
  const gg = (g.vaktFleetGauges ??= create());
  const e = env();
  const [nodes, lag, workers] = await Promise.all([
    db.$queryRawUnsafe<TNodeRow[]>(NODE_SQL),
    db.$queryRawUnsafe<{ overdue: number | null; late: bigint }[]>(
      `SELECT extract(epoch FROM now() - min("nextPollAt"))::float8 AS overdue,
              count(*) FILTER (WHERE "nextPollAt" < now() - ($1::int * interval '1 millisecond')) AS late
         FROM "vakt"."ClusterMember"`,
      e.VAKT_POLL_INTERVAL_MS,
    ),
    db.$queryRawUnsafe<{ id: string; age: number }[]>(`SELECT id, extract(epoch FROM now() - "heartbeatAt")::float8 AS age FROM "vakt"."Worker"`),
  ]);
  const staleS = e.VAKT_STALE_AFTER_MS / 1000;
  const byStatus: Record<string, number> = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  for (const k of ['up', 'status', 'role', 'observationAge', 'timeline', 'lagBytes', 'lagSeconds', 'archiveFailures', 'archiveFailing', 'archiveSuccessAge', 'storageFree', 'fenced', 'clockSkew'] as const) gg[k].reset();
  const set = (gauge: client.Gauge<string>, labels: Record<string, string>, v: number | null | undefined) => {
    if (typeof v === 'number' && Number.isFinite(v)) gauge.set(labels, v);
  };
  for (const n of nodes) {
    const status = n.status === null ? 'never' : n.age === null || n.age > staleS ? 'stale' : STATUSES.includes(n.status) ? n.status : 'unknown';
    byStatus[status]++;
    const l = { cluster: n.cluster, member: n.member };
    gg.up.set({ ...l, site: n.site }, status === 'ok' ? 1 : 0);
    for (const s of STATUSES) gg.status.set({ ...l, status: s }, s === status ? 1 : 0);
    const role = ROLES.includes(n.role ?? '') ? n.role! : 'unknown';
    for (const r of ROLES) gg.role.set({ ...l, role: r }, r === role ? 1 : 0);
    set(gg.observationAge, l, n.age);
    set(gg.timeline, l, n.timeline);
    set(gg.lagBytes, l, n.lagBytes);
    set(gg.lagSeconds, l, n.lagSeconds);
    set(gg.archiveFailures, l, n.archiveFailed);
    if (n.archiveFailed !== null) gg.archiveFailing.set(l, n.archiveFailing ? 1 : 0);
    set(gg.archiveSuccessAge, l, n.archiveOkAge);
    set(gg.storageFree, l, n.totalBytes && n.freeBytes !== null ? n.freeBytes / n.totalBytes : null);
    if (n.status !== null) gg.fenced.set(l, n.fenced ? 1 : 0);
    set(gg.clockSkew, l, n.clockSkewMs === null ? null : n.clockSkewMs / 1000);
  }
  gg.nodes.reset();
  for (const [s, n] of Object.entries(byStatus)) gg.nodes.labels(s).set(n);
  gg.overdue.set(Math.max(0, lag[0]?.overdue ?? 0));
  gg.overdueNodes.set(Number(lag[0]?.late ?? 0));
  gg.heartbeatAge.reset();
  for (const w of workers) gg.heartbeatAge.labels(w.id).set(w.age);
  gg.workers.set(workers.filter((w) => w.age <= 30).length);
}
