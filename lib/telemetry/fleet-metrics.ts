import client from 'prom-client';
import { db, dbNow } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { toMs } from '@/lib/pg';
import { deriveClusterStateOf, type TClusterState } from '@/lib/safety/engine';
import { loadSafetyInputs } from '@/lib/safety/load-safety-input';
import { metrics } from './metrics';

// Fleet gauges computed from the stored state at scrape time (any app instance answers the same).
const STATES: TClusterState[] = ['HEALTHY', 'DEGRADED', 'PRIMARY_DOWN', 'SPLIT_BRAIN', 'UNKNOWN'];
type TGauges = ReturnType<typeof create>;
const g = globalThis as unknown as { vaktFleetGauges?: TGauges };

function create() {
  const r = metrics().registry;
  return {
    nodes: new client.Gauge({ name: 'vakt_nodes', help: 'Registered nodes by last observed status (ok, down, unknown, never, stale)', labelNames: ['status'] as const, registers: [r] }),
    clusterState: new client.Gauge({ name: 'vakt_cluster_state', help: '1 for the current state of each cluster', labelNames: ['cluster', 'state'] as const, registers: [r] }),
    overdue: new client.Gauge({ name: 'vakt_poll_overdue_seconds', help: 'How far the most overdue node is past its poll time (worker lag)', registers: [r] }),
    overdueNodes: new client.Gauge({ name: 'vakt_poll_overdue_nodes', help: 'Nodes more than one poll interval past their poll time', registers: [r] }),
    workers: new client.Gauge({ name: 'vakt_workers', help: 'Workers with a heartbeat in the last 30 s', registers: [r] }),
    heartbeatAge: new client.Gauge({ name: 'vakt_worker_heartbeat_age_seconds', help: 'Seconds since each worker heartbeat', labelNames: ['worker'] as const, registers: [r] }),
  };
}

export async function collectFleetGauges(): Promise<void> {
  const gg = (g.vaktFleetGauges ??= create());
  const e = env();
  // Cluster state from the safety engine (the same derivation as the API, pages and /safety), judged
  // at the database's now() like every other read (never this process's clock).
  const [inputs, lag, workers] = await Promise.all([
    loadSafetyInputs(),
    db.$queryRawUnsafe<{ overdue: number | null; late: bigint }[]>(
      `SELECT extract(epoch FROM now() - min("nextPollAt"))::float8 AS overdue,
              count(*) FILTER (WHERE "nextPollAt" < now() - ($1::int * interval '1 millisecond')) AS late
         FROM "vakt"."ClusterMember"`,
      e.VAKT_POLL_INTERVAL_MS,
    ),
    db.worker.findMany({ select: { id: true, heartbeatAt: true } }),
  ]);
  const now = (await dbNow()).getTime();
  const byStatus: Record<string, number> = { ok: 0, down: 0, unknown: 0, never: 0, stale: 0 };
  for (const { input } of inputs) {
    for (const m of input.members) {
      const o = m.observation;
      const at = o ? toMs(o.observedAt) : null;
      const s = !o ? 'never' : at === null || now - at > e.VAKT_STALE_AFTER_MS ? 'stale' : o.status;
      byStatus[s] = (byStatus[s] ?? 0) + 1;
    }
  }
  gg.nodes.reset();
  for (const [s, n] of Object.entries(byStatus)) gg.nodes.labels(s).set(n);
  gg.clusterState.reset();
  for (const { input } of inputs) {
    const state = deriveClusterStateOf(input).state;
    for (const s of STATES) gg.clusterState.labels(input.cluster.name, s).set(s === state ? 1 : 0);
  }
  gg.overdue.set(Math.max(0, lag[0]?.overdue ?? 0));
  gg.overdueNodes.set(Number(lag[0]?.late ?? 0));
  gg.heartbeatAge.reset();
  let live = 0;
  for (const w of workers) {
    const age = (now - w.heartbeatAt.getTime()) / 1000;
    gg.heartbeatAge.labels(w.id).set(age);
    if (age <= 30) live++;
  }
  gg.workers.set(live);
}

/** The Prometheus text exposition (process + poller counters + fleet gauges). */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  await collectFleetGauges();
  const r = metrics().registry;
  return { contentType: r.contentType, body: await r.metrics() };
}
