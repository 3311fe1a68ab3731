// /api/metrics: the process and poller metrics (lib/telemetry) plus gauges read from the read model
// (cluster state, epoch, the best candidate's verdict and loss; per context findings, backup and drill
// ages, expected restore time and the RTO bound) and the alerts. A fixed number of queries, nothing
// evaluated per scrape; a stale read model reads UNKNOWN / BLOCKED like every other read
// (lib/readmodel/freshness.ts). Labels are registry names and closed vocabularies only.
import { db } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { gaugeFamily, metrics, type TSample } from '@/lib/telemetry/metrics';
import { fleetMetricsText } from '@/lib/telemetry/fleet-metrics';
import { freshness } from '@/lib/readmodel/freshness';
import type { TClusterState, TVerdict } from '@/lib/safety/engine';
import { ALERT_RULES, ALERT_RULE_NAMES } from './rules';

const STATES: TClusterState[] = ['HEALTHY', 'DEGRADED', 'PRIMARY_DOWN', 'SPLIT_BRAIN', 'UNKNOWN'];
const VERDICTS: TVerdict[] = ['SAFE', 'GATED', 'MANUAL', 'BLOCKED'];
const SEVERITIES = ['error', 'warning', 'info'];
const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'silenced'];

type TClusterRow = { name: string; epoch: number; computedAt: Date | null; state: string | null; best: { verdict?: string; dataLoss?: { bytes?: number | null; worstCaseSeconds?: number | null } } | null; dbNow: Date };
type TContextRow = { slug: string; computedAt: Date | null; bySeverity: Record<string, number> | null; backupAt: Date | null; drillAt: Date | null; restoreSeconds: number | null; rto: number | null; dbNow: Date };

const CLUSTER_SQL = `
  SELECT c.name, c.epoch, r."computedAt", r.state, now() AS "dbNow",
         (SELECT x FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.report->'candidates') = 'array' THEN r.report->'candidates' ELSE '[]'::jsonb END) x
           ORDER BY (x->>'rank')::int LIMIT 1) AS best
    FROM "vakt"."Cluster" c LEFT JOIN "vakt"."ClusterReadModel" r ON r."clusterId" = c.id`;

// backups: each member's payload read once (per cluster: the newest successful stop time), then per context
const CONTEXT_SQL = `
  WITH backups AS MATERIALIZED (
    SELECT m."clusterId", max((bk->>'stoppedAt')::timestamptz) AS at
      FROM "vakt"."ClusterMember" m JOIN "vakt"."NodeObservation" o ON o."memberId" = m.id,
           jsonb_array_elements(CASE WHEN jsonb_typeof(o.payload #> '{backups,backups}') = 'array' THEN o.payload #> '{backups,backups}' ELSE '[]'::jsonb END) bk
     WHERE coalesce(bk->>'error', 'false') <> 'true' AND bk ? 'stoppedAt'
     GROUP BY m."clusterId"),
  drills AS (
    SELECT DISTINCT ON (cc."contextId") cc."contextId", rd."finishedAt", rd."restoreSeconds"
      FROM "vakt"."RestoreDrill" rd JOIN "vakt"."ClusterContext" cc ON cc."clusterId" = rd."clusterId"
     WHERE rd.status = 'SUCCEEDED' AND rd."finishedAt" IS NOT NULL
     ORDER BY cc."contextId", rd."finishedAt" DESC)
  SELECT b.slug, r."computedAt", now() AS "dbNow",
         (SELECT jsonb_object_agg(sev, n) FROM (SELECT f->>'severity' AS sev, count(*) AS n
             FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.findings) = 'array' THEN r.findings ELSE '[]'::jsonb END) f GROUP BY 1) s) AS "bySeverity",
         (SELECT max(bu.at) FROM "vakt"."ClusterContext" cc JOIN backups bu ON bu."clusterId" = cc."clusterId" WHERE cc."contextId" = b.id) AS "backupAt",
         d."finishedAt" AS "drillAt", d."restoreSeconds",
         -- the binding RTO: the stricter of the accepted version's and a pending proposal's (lib/registry/lifecycle-binding.ts)
         (SELECT min(k."boundSeconds") FROM "vakt"."Declaration" dl JOIN "vakt"."RecoveryClass" k ON k.kind = 'RTO' AND k.name = dl.spec->>'rtoClass'
           WHERE dl."contextId" = b.id AND dl.version IN (b."currentVersion", b."pendingVersion"))::float8 AS rto
    FROM "vakt"."BoundedContext" b
    LEFT JOIN "vakt"."ContextReadModel" r ON r."contextId" = b.id
    LEFT JOIN drills d ON d."contextId" = b.id`;

const ageOf = (at: Date | null, now: Date) => (at ? Math.max(0, (now.getTime() - at.getTime()) / 1000) : null);

async function readModelMetricsText(): Promise<string> {
  const staleMs = env().VAKT_STALE_AFTER_MS;
  const [clusters, contexts, alerts, deliveries] = await Promise.all([
    db.$queryRawUnsafe<TClusterRow[]>(CLUSTER_SQL),
    db.$queryRawUnsafe<TContextRow[]>(CONTEXT_SQL),
    db.alert.groupBy({ by: ['rule', 'severity'], where: { state: 'firing' }, _count: { _all: true } }),
    db.alertDelivery.groupBy({ by: ['status'], _count: { _all: true } }),
  ]);
  const cl = clusters.map((c) => {
    const stale = freshness(c.state ? c.computedAt : null, c.dbNow, staleMs).stale;
    return { c, stale, l: { cluster: c.name }, state: stale ? 'UNKNOWN' : c.state, verdict: c.best ? (stale ? 'BLOCKED' : c.best.verdict) : null };
  });
  const cx = contexts.map((x) => ({ x, l: { context: x.slug } }));
  const perCluster = (f: (r: (typeof cl)[number]) => TSample[]) => cl.flatMap(f);
  const perContext = (f: (r: (typeof cx)[number]) => TSample[]) => cx.flatMap(f);
  return [
    gaugeFamily('vakt_cluster_state', '1 for the current state of each cluster (read model; stale reads UNKNOWN)', perCluster((r) => STATES.map((state): TSample => [{ ...r.l, state }, state === r.state ? 1 : 0]))),
    gaugeFamily('vakt_cluster_epoch', "The cluster's fencing epoch", perCluster((r) => [[r.l, r.c.epoch]])),
    gaugeFamily('vakt_cluster_readmodel_age_seconds', "Seconds since the worker last computed the cluster's read model", perCluster((r) => [[r.l, ageOf(r.c.computedAt, r.c.dbNow)]])),
    gaugeFamily('vakt_cluster_best_candidate_verdict', "1 for the verdict of the cluster's best promotion candidate (no candidate: every verdict 0)", perCluster((r) => VERDICTS.map((verdict): TSample => [{ ...r.l, verdict }, verdict === r.verdict ? 1 : 0]))),
    gaugeFamily('vakt_cluster_best_candidate_loss_bytes', 'Estimated data loss in bytes if the best candidate were promoted now', perCluster((r) => [[r.l, r.stale ? null : r.c.best?.dataLoss?.bytes]])),
    gaugeFamily('vakt_cluster_best_candidate_loss_seconds', 'Worst-case estimated data loss in seconds (unknown window included) if the best candidate were promoted now', perCluster((r) => [[r.l, r.stale ? null : r.c.best?.dataLoss?.worstCaseSeconds]])),
    gaugeFamily('vakt_context_findings', 'Open live findings of each context by severity', perContext((r) => SEVERITIES.map((severity): TSample => [{ ...r.l, severity }, Number(r.x.bySeverity?.[severity] ?? 0)]))),
    gaugeFamily('vakt_context_readmodel_stale', "1 when the context's live findings are older than VAKT_STALE_AFTER_MS (or never computed)", perContext((r) => [[r.l, freshness(r.x.computedAt, r.x.dbNow, staleMs).stale ? 1 : 0]])),
    gaugeFamily('vakt_context_last_backup_age_seconds', 'Seconds since the newest successful backup of a cluster holding the context finished', perContext((r) => [[r.l, ageOf(r.x.backupAt, r.x.dbNow)]])),
    gaugeFamily('vakt_context_last_successful_drill_age_seconds', 'Seconds since the last successful restore drill of a cluster holding the context', perContext((r) => [[r.l, ageOf(r.x.drillAt, r.x.dbNow)]])),
    gaugeFamily('vakt_context_expected_restore_seconds', 'Expected restore time: the restore time of the last successful drill', perContext((r) => [[r.l, r.x.restoreSeconds]])),
    gaugeFamily('vakt_context_rto_bound_seconds', "The RTO bound of the context's declared RTO class", perContext((r) => [[r.l, r.x.rto]])),
    gaugeFamily('vakt_alerts_firing', 'Firing Vakt alerts by rule and severity', ALERT_RULE_NAMES.map((rule): TSample => [{ rule, severity: ALERT_RULES[rule].severity }, alerts.find((a) => a.rule === rule)?._count._all ?? 0])),
    gaugeFamily('vakt_alert_deliveries', 'Alert deliveries by status', DELIVERY_STATUSES.map((status): TSample => [{ status }, deliveries.find((d) => d.status === status)?._count._all ?? 0])),
  ].join('');
}

/** The Prometheus text exposition (process and poller counters from prom-client; nodes, clusters, contexts, alerts written directly). */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  const r = metrics().registry;
  const [own, fleet, readModel] = await Promise.all([r.metrics(), fleetMetricsText(), readModelMetricsText()]);
  return { contentType: r.contentType, body: (own.endsWith('\n') ? own : `${own}\n`) + fleet + readModel };
}
