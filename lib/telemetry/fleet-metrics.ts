import { db } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { gaugeFamily, type TSample } from './metrics';

// Fleet gauges from the stored observations (any app instance answers the same), read with a fixed
// number of queries whatever the fleet size: nothing is evaluated per scrape. Labels are registry names
// (cluster, member, site: validated slugs) and closed vocabularies (status, role): never free text.
// Cluster and context gauges from the read model are lib/alerts/read-model-metrics.ts. Written as
// text directly (metrics.ts gaugeFamily), not through prom-client's registry: tens of thousands of
// series at fleet scale.
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

/** The fleet gauges as Prometheus text (one query for every node, two small ones). */
export async function fleetMetricsText(): Promise<string> {
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
  const rows = nodes.map((n) => {
    const status = n.status === null ? 'never' : n.age === null || n.age > staleS ? 'stale' : STATUSES.includes(n.status) ? n.status : 'unknown';
    byStatus[status]++;
    return { n, status, l: { cluster: n.cluster, member: n.member } };
  });
  const each = (f: (r: (typeof rows)[number]) => TSample[]): TSample[] => rows.flatMap(f);
  const v = (f: (n: TNodeRow) => number | null | undefined) => each((r) => [[r.l, f(r.n)]]);
  return [
    gaugeFamily('vakt_nodes', 'Registered nodes by last observed status (ok, down, unknown, never, stale)', Object.entries(byStatus).map(([status, n]) => [{ status }, n])),
    gaugeFamily('vakt_poll_overdue_seconds', 'How far the most overdue node is past its poll time (worker lag)', [[{}, Math.max(0, lag[0]?.overdue ?? 0)]]),
    gaugeFamily('vakt_poll_overdue_nodes', 'Nodes more than one poll interval past their poll time', [[{}, Number(lag[0]?.late ?? 0)]]),
    gaugeFamily('vakt_workers', 'Workers with a heartbeat in the last 30 s', [[{}, workers.filter((w) => w.age <= 30).length]]),
    gaugeFamily('vakt_worker_heartbeat_age_seconds', 'Seconds since each worker heartbeat', workers.map((w) => [{ worker: w.id }, w.age])),
    gaugeFamily('vakt_node_up', '1 when the node was observed fresh with PostgreSQL reachable (status ok), else 0', each((r) => [[{ ...r.l, site: r.n.site }, r.status === 'ok' ? 1 : 0]])),
    gaugeFamily('vakt_node_role', '1 for the last observed role of each node (primary, replica, unknown)', each((r) => ROLES.map((role): TSample => [{ ...r.l, role }, role === (ROLES.includes(r.n.role ?? '') ? r.n.role : 'unknown') ? 1 : 0]))),
    gaugeFamily('vakt_node_observation_age_seconds', 'Seconds since the node was last observed', v((n) => n.age)),
    gaugeFamily('vakt_node_timeline', 'PostgreSQL timeline the node reports', v((n) => n.timeline)),
    gaugeFamily('vakt_node_replication_lag_bytes', "Replica lag in bytes (from the primary's pg_stat_replication)", v((n) => n.lagBytes)),
    gaugeFamily('vakt_node_replication_lag_seconds', "Replica replay lag in seconds (from the primary's pg_stat_replication)", v((n) => n.lagSeconds)),
    gaugeFamily('vakt_node_wal_archive_failures', 'pg_stat_archiver failed_count on the node (rises while archive_command fails)', v((n) => n.archiveFailed)),
    gaugeFamily('vakt_node_wal_archive_failing', '1 when the last WAL archive failure is newer than the last success', v((n) => (n.archiveFailed === null ? null : n.archiveFailing ? 1 : 0))),
    gaugeFamily('vakt_node_wal_archive_last_success_age_seconds', 'Seconds since the node last archived a WAL file', v((n) => n.archiveOkAge)),
    gaugeFamily('vakt_node_storage_free_ratio', "Free fraction of the data directory's file system (0..1)", v((n) => (n.totalBytes && n.freeBytes !== null ? n.freeBytes / n.totalBytes : null))),
    gaugeFamily('vakt_node_fenced', '1 when the node is fenced by Vakt', v((n) => (n.status === null ? null : n.fenced ? 1 : 0))),
    gaugeFamily('vakt_node_clock_skew_seconds', "The agent's clock minus Vakt's database clock", v((n) => (n.clockSkewMs === null ? null : n.clockSkewMs / 1000))),
  ].join('');
}
