// /api/metrics: the process and poller metrics (lib/telemetry) plus gauges read from the read model
// (cluster state, epoch, the best candidate's verdict and loss; per context findings, backup and drill
// ages, expected restore time and the RTO bound) and the alerts. A fixed number of queries, nothing
// evaluated per scrape; a stale read model reads UNKNOWN / BLOCKED like every other read
// (lib/readmodel/freshness.ts). Labels are registry names and closed vocabularies only.
import client from 'prom-client';
import { db } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { metrics } from '@/lib/telemetry/metrics';
import { collectFleetGauges } from '@/lib/telemetry/fleet-metrics';
import { freshness } from '@/lib/readmodel/freshness';
import type { TClusterState, TVerdict } from '@/lib/safety/engine';
import { ALERT_RULES, ALERT_RULE_NAMES } from './rules';

const STATES: TClusterState[] = ['HEALTHY', 'DEGRADED', 'PRIMARY_DOWN', 'SPLIT_BRAIN', 'UNKNOWN'];
const VERDICTS: TVerdict[] = ['SAFE', 'GATED', 'MANUAL', 'BLOCKED'];
const SEVERITIES = ['error', 'warning', 'info'];
const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'silenced'];

type TGauges = ReturnType<typeof create>;
const g = globalThis as unknown as { vaktReadModelGauges?: TGauges };

function create() {
  const r = metrics().registry;
  const gauge = (name: string, help: string, labelNames: string[]) => new client.Gauge({ name, help, labelNames, registers: [r] });
  return {
    state: gauge('vakt_cluster_state', '1 for the current state of each cluster (read model; stale reads UNKNOWN)', ['cluster', 'state']),
    epoch: gauge('vakt_cluster_epoch', "The cluster's fencing epoch", ['cluster']),
    age: gauge('vakt_cluster_readmodel_age_seconds', "Seconds since the worker last computed the cluster's read model", ['cluster']),
    verdict: gauge('vakt_cluster_best_candidate_verdict', "1 for the verdict of the cluster's best promotion candidate (none: every verdict 0)", ['cluster', 'verdict']),
    lossBytes: gauge('vakt_cluster_best_candidate_loss_bytes', 'Estimated data loss in bytes if the best candidate were promoted now', ['cluster']),
    lossSeconds: gauge('vakt_cluster_best_candidate_loss_seconds', 'Worst-case estimated data loss in seconds (unknown window included) if the best candidate were promoted now', ['cluster']),
    findings: gauge('vakt_context_findings', 'Open live findings of each context by severity', ['context', 'severity']),
    contextStale: gauge('vakt_context_readmodel_stale', "1 when the context's live findings are older than VAKT_STALE_AFTER_MS (or never computed)", ['context']),
    backupAge: gauge('vakt_context_last_backup_age_seconds', 'Seconds since the newest successful backup of a cluster holding the context finished', ['context']),
    drillAge: gauge('vakt_context_last_successful_drill_age_seconds', 'Seconds since the last successful restore drill of a cluster holding the context', ['context']),
    restore: gauge('vakt_context_expected_restore_seconds', 'Expected restore time: the restore time of the last successful drill', ['context']),
    rto: gauge('vakt_context_rto_bound_seconds', "The RTO bound of the context's declared RTO class", ['context']),
    alerts: gauge('vakt_alerts_firing', 'Firing Vakt alerts by rule and severity', ['rule', 'severity']),
    deliveries: gauge('vakt_alert_deliveries', 'Alert deliveries by status', ['status']),
  };
}

type TClusterRow = { name: string; epoch: number; computedAt: Date | null; state: string | null; best: { verdict?: string; dataLoss?: { bytes?: number | null; worstCaseSeconds?: number | null } } | null; dbNow: Date };
type TContextRow = { slug: string; computedAt: Date | null; bySeverity: Record<string, number> | null; backupAt: Date | null; drillAt: Date | null; restoreSeconds: number | null; rto: number | null; dbNow: Date };

const CLUSTER_SQL = `
  SELECT c.name, c.epoch, r."computedAt", r.state, now() AS "dbNow",
         (SELECT x FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.report->'candidates') = 'array' THEN r.report->'candidates' ELSE '[]'::jsonb END) x
           ORDER BY (x->>'rank')::int LIMIT 1) AS best
    FROM "vakt"."Cluster" c LEFT JOIN "vakt"."ClusterReadModel" r ON r."clusterId" = c.id`;

const CONTEXT_SQL = `
  SELECT b.slug, r."computedAt", now() AS "dbNow",
         (SELECT jsonb_object_agg(sev, n) FROM (SELECT f->>'severity' AS sev, count(*) AS n
             FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.findings) = 'array' THEN r.findings ELSE '[]'::jsonb END) f GROUP BY 1) s) AS "bySeverity",
         (SELECT max((bk->>'stoppedAt')::timestamptz)
            FROM "vakt"."ClusterContext" cc JOIN "vakt"."ClusterMember" m ON m."clusterId" = cc."clusterId"
            JOIN "vakt"."NodeObservation" o ON o."memberId" = m.id,
                 jsonb_array_elements(CASE WHEN jsonb_typeof(o.payload #> '{backups,backups}') = 'array' THEN o.payload #> '{backups,backups}' ELSE '[]'::jsonb END) bk
           WHERE cc."contextId" = b.id AND coalesce(bk->>'error', 'false') <> 'true' AND bk ? 'stoppedAt') AS "backupAt",
         d."finishedAt" AS "drillAt", d."restoreSeconds",
         (SELECT k."boundSeconds" FROM "vakt"."Declaration" dl JOIN "vakt"."RecoveryClass" k ON k.kind = 'RTO' AND k.name = dl.spec->>'rtoClass'
           WHERE dl."contextId" = b.id AND dl.version = b."currentVersion")::float8 AS rto
    FROM "vakt"."BoundedContext" b
    LEFT JOIN "vakt"."ContextReadModel" r ON r."contextId" = b.id
    LEFT JOIN LATERAL (SELECT rd."finishedAt", rd."restoreSeconds" FROM "vakt"."RestoreDrill" rd JOIN "vakt"."ClusterContext" cc ON cc."clusterId" = rd."clusterId"
                        WHERE cc."contextId" = b.id AND rd.status = 'SUCCEEDED' AND rd."finishedAt" IS NOT NULL ORDER BY rd."finishedAt" DESC LIMIT 1) d ON true`;

const ageOf = (at: Date | null, now: Date) => (at ? Math.max(0, (now.getTime() - at.getTime()) / 1000) : null);

async function collectReadModelGauges(): Promise<void> {
  const gg = (g.vaktReadModelGauges ??= create());
  const staleMs = env().VAKT_STALE_AFTER_MS;
  const [clusters, contexts, alerts, deliveries] = await Promise.all([
    db.$queryRawUnsafe<TClusterRow[]>(CLUSTER_SQL),
    db.$queryRawUnsafe<TContextRow[]>(CONTEXT_SQL),
    db.alert.groupBy({ by: ['rule', 'severity'], where: { state: 'firing' }, _count: { _all: true } }),
    db.alertDelivery.groupBy({ by: ['status'], _count: { _all: true } }),
  ]);
  for (const x of Object.values(gg)) x.reset();
  const set = (gauge: client.Gauge<string>, labels: Record<string, string>, v: number | null | undefined) => {
    if (typeof v === 'number' && Number.isFinite(v)) gauge.set(labels, v);
  };
  for (const c of clusters) {
    const f = freshness(c.state ? c.computedAt : null, c.dbNow, staleMs);
    const state = f.stale ? 'UNKNOWN' : c.state;
    for (const s of STATES) gg.state.set({ cluster: c.name, state: s }, s === state ? 1 : 0);
    gg.epoch.set({ cluster: c.name }, c.epoch);
    set(gg.age, { cluster: c.name }, ageOf(c.computedAt, c.dbNow));
    const verdict = c.best ? (f.stale ? 'BLOCKED' : c.best.verdict) : null;
    for (const v of VERDICTS) gg.verdict.set({ cluster: c.name, verdict: v }, v === verdict ? 1 : 0);
    if (c.best && !f.stale) {
      set(gg.lossBytes, { cluster: c.name }, c.best.dataLoss?.bytes);
      set(gg.lossSeconds, { cluster: c.name }, c.best.dataLoss?.worstCaseSeconds);
    }
  }
  for (const x of contexts) {
    const l = { context: x.slug };
    for (const s of SEVERITIES) gg.findings.set({ ...l, severity: s }, Number(x.bySeverity?.[s] ?? 0));
    gg.contextStale.set(l, freshness(x.computedAt, x.dbNow, staleMs).stale ? 1 : 0);
    set(gg.backupAge, l, ageOf(x.backupAt, x.dbNow));
    set(gg.drillAge, l, ageOf(x.drillAt, x.dbNow));
    set(gg.restore, l, x.restoreSeconds);
    set(gg.rto, l, x.rto);
  }
  for (const rule of ALERT_RULE_NAMES) gg.alerts.set({ rule, severity: ALERT_RULES[rule].severity }, alerts.find((a) => a.rule === rule)?._count._all ?? 0);
  for (const s of DELIVERY_STATUSES) gg.deliveries.set({ status: s }, deliveries.find((d) => d.status === s)?._count._all ?? 0);
}

/** The Prometheus text exposition (process, poller, nodes, clusters, contexts, alerts). */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  await Promise.all([collectFleetGauges(), collectReadModelGauges()]);
  const r = metrics().registry;
  return { contentType: r.contentType, body: await r.metrics() };
}
