import client from 'prom-client';

// One Prometheus registry per process (on globalThis: Next.js bundles instrumentation and route
// handlers as separate module graphs, and the embedded worker must count into the scraped registry).
type TMetrics = ReturnType<typeof create>;
const g = globalThis as unknown as { vaktMetrics?: TMetrics };

function create() {
  const registry = new client.Registry();
  // prom-client's process metrics, prefixed `vakt_` (vakt_process_cpu_seconds_total, vakt_nodejs_…).
  // Its `nodejs_active_*_total` are gauges named like counters (promtool refuses them): dropped, the
  // same numbers remain as `vakt_nodejs_active_handles` / `_requests` / `_resources`.
  client.collectDefaultMetrics({ register: registry, prefix: 'vakt_' });
  for (const m of registry.getMetricsAsArray()) if (m.name.endsWith('_total') && (m as { type?: unknown }).type !== 'counter') registry.removeSingleMetric(m.name);
  return {
    registry,
    polls: new client.Counter({ name: 'vakt_polls_total', help: 'Node polls by adapter kind and resulting status', labelNames: ['kind', 'status'] as const, registers: [registry] }),
    pollFailures: new client.Counter({ name: 'vakt_poll_failures_total', help: 'Polls that made a node unknown, by reason class', labelNames: ['kind', 'reason'] as const, registers: [registry] }),
    pollDuration: new client.Histogram({
      name: 'vakt_poll_duration_seconds',
      help: 'Duration of one node poll (request + validation)',
      labelNames: ['kind'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    dbWrite: new client.Histogram({
      name: 'vakt_poll_db_write_seconds',
      help: 'Duration of one batched observation write',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    events: new client.Counter({ name: 'vakt_cluster_events_total', help: 'Cluster events recorded', labelNames: ['kind'] as const, registers: [registry] }),
    workerErrors: new client.Counter({ name: 'vakt_worker_loop_errors_total', help: 'Worker loop iterations that failed', labelNames: ['loop', 'db_unavailable'] as const, registers: [registry] }),
  };
}

export function metrics(): TMetrics {
  g.vaktMetrics ??= create();
  return g.vaktMetrics;
}

/** Classify an unknown reason for the failures counter (low cardinality). */
export function reasonClass(error: string | null): string {
  const e = error ?? '';
  if (/timed out/.test(e)) return 'timeout';
  if (/HTTP 5\d\d/.test(e)) return 'http_5xx';
  if (/HTTP 4\d\d/.test(e)) return 'http_4xx';
  if (/not JSON|not understood|does not match protocol/.test(e)) return 'garbage';
  if (/contradict/.test(e)) return 'contradiction';
  if (/outside VAKT_AGENT_ALLOW/.test(e)) return 'not_allowed';
  if (/decrypt|VAKT_SECRET_KEY/.test(e)) return 'secret';
  return 'unreachable';
}

export type TSample = [labels: Record<string, string>, value: number | null | undefined];

/**
 * One gauge family in the Prometheus text format, written directly (fleet gauges have tens of
 * thousands of series at 500 clusters; prom-client's per-series bookkeeping made a scrape take
 * seconds). Samples whose value is null, undefined or not finite are left out.
 */
export function gaugeFamily(name: string, help: string, samples: Iterable<TSample>): string {
  let out = `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} gauge\n`;
  for (const [labels, value] of samples) {
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    const keys = Object.keys(labels);
    const l = keys.length ? `{${keys.map((k) => `${k}="${labels[k].replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}` : '';
    out += `${name}${l} ${value}\n`;
  }
  return out;
}
