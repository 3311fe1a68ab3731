// `npx tsx scripts/bench-readmodel.ts`: what the read model costs the worker and what it saves a
// read, in a fresh database (vakt_bench_rm_<ts> on 127.0.0.1:5432, migrated, dropped at the end).
// For each size (clusters of 3 members; one context per 2.5 clusters, each held by its clusters):
// the members are polled once from the simulated fleet of bench:poller (real agent payloads), then
//  - worker: a full read-model computation of every cluster and context (refreshUntilIdle), i.e. the
//    work of one poll interval when nothing changed;
//  - reads: p50/p95 of the read-model reads the API serves against the fresh-evaluation reads of
//    before (the engine per request), same process, same data, one client, in the same run.
// Options (env): BENCH_SIZES=50,500  BENCH_READS=40  BENCH_ADMIN_URL=postgresql://postgres@127.0.0.1:5432/postgres
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import pg from 'pg';

const ROOT = path.resolve(import.meta.dirname, '..');
const ADMIN = process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const SIZES = (process.env.BENCH_SIZES ?? '50,500').split(',').map(Number);
const READS = Number(process.env.BENCH_READS ?? 40);
const AGENT_TOKEN = 'bench-readmodel-token-0123456789';
const name = `vakt_bench_rm_${Date.now().toString(36)}`;
const url = Object.assign(new URL(ADMIN), { pathname: `/${name}` }).toString();

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: ADMIN });
  await c.connect();
  await c.query(sql).finally(() => c.end());
}

/** One declaration for every context: a clean spec (the live checks still find what the fleet lacks). */
const declarationSpec = {
  dataOwnership: 'database-per-service',
  rpoClass: 'RPO-2',
  rtoClass: 'RTO-2',
  crossSite: 'optional',
  failover: 'operator-approved',
  replication: { local: 'sync', crossSite: 'async' },
  approvalsRequired: 1,
  backup: { fullIntervalHours: 24, pitr: true, walArchiving: true, retentionDays: 14, drillCadenceDays: 7 },
  runbook: 'Fence the primary, promote the sync replica, verify the timeline.',
  storage: { durability: 'replicated-block' },
};
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
async function timeIt(n: number, f: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  await f(); // warm
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    ms.push(performance.now() - t);
  }
  return { p50: quantile(ms, 0.5), p95: quantile(ms, 0.95) };
}
const fmt = (x: { p50: number; p95: number }) => `${x.p50.toFixed(1)} / ${x.p95.toFixed(1)} ms`;

async function run() {
  await admin(`CREATE DATABASE "${name}"`);
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/migrate.mjs'), 'deploy'], { env: { ...process.env, DATABASE_URL: url }, stdio: 'pipe' });
  Object.assign(process.env, { DATABASE_URL: url, VAKT_LOG_LEVEL: 'warn', VAKT_SECRET_KEY: process.env.VAKT_SECRET_KEY ?? 'bench-readmodel-secret-0123456789abcdef' });
  const fleetServer = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/bench/fake-fleet-server.ts'), AGENT_TOKEN], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  try {
    const [chunk] = (await once(fleetServer.stdout!, 'data')) as [Buffer];
    const fleet = `http://127.0.0.1:${(JSON.parse(String(chunk).trim().split('\n')[0]) as { port: number }).port}`;
    const { db } = await import('@/lib/base/db');
    const { sealSecret } = await import('@/lib/base/secret-box');
    const { ensureDefaultClasses } = await import('@/lib/registry/classes');
    const { createPoller } = await import('@/lib/telemetry/poll-cycle');
    const { refreshUntilIdle } = await import('@/lib/readmodel/refresh');
    const rm = await import('@/lib/readmodel/read');
    const { listClusters } = await import('@/lib/registry/read-clusters');
    const { listContexts, getContext } = await import('@/lib/registry/contexts');
    const { getClusterSafety } = await import('@/lib/promotion/get-cluster-safety');
    const { renderMetrics } = await import('@/lib/alerts/read-model-metrics');
    await ensureDefaultClasses();
    await db.$executeRawUnsafe(`INSERT INTO "vakt"."Site" (id, name) VALUES ('s-oslo', 'oslo'), ('s-bergen', 'bergen')`);
    await db.$executeRawUnsafe(`INSERT INTO "vakt"."Team" (id, name) VALUES ('t-bench', 'bench')`);
    console.log(`bench-readmodel: database ${name}, fleet ${fleet}, ${READS} reads per figure (p50 / p95, one client, in-process)`);
    console.log('| clusters | contexts | worker: every row recomputed | GET /clusters: read model vs fresh | /clusters/{name}/safety | /contexts | /contexts/{slug} | /api/metrics scrape |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const clusters of SIZES) {
      await db.$executeRawUnsafe(`TRUNCATE "vakt"."Cluster", "vakt"."BoundedContext", "vakt"."ReadModelChange" CASCADE`);
      const contexts = Math.max(1, Math.round(clusters / 2.5));
      await db.$executeRawUnsafe(
        `INSERT INTO "vakt"."BoundedContext" (id, slug, name, "teamId", "currentVersion") SELECT 'x' || i, 'ctx-' || i, 'Context ' || i, 't-bench', 1 FROM generate_series(0, $1::int - 1) i`,
        contexts,
      );
      await db.$executeRawUnsafe(
        `INSERT INTO "vakt"."Declaration" (id, "contextId", version, spec, "authorLabel") SELECT 'd' || i, 'x' || i, 1, $2::jsonb, 'bench' FROM generate_series(0, $1::int - 1) i`,
        contexts,
        JSON.stringify(declarationSpec),
      );
      await db.$executeRawUnsafe(`INSERT INTO "vakt"."Cluster" (id, name, kind) SELECT 'c' || c, 'bench-' || c, 'vakt_agent' FROM generate_series(0, $1::int - 1) c`, clusters);
      await db.$executeRawUnsafe(`INSERT INTO "vakt"."ClusterContext" ("clusterId", "contextId", database) SELECT 'c' || c, 'x' || (c % $2::int), 'app' FROM generate_series(0, $1::int - 1) c`, clusters, contexts);
      await db.$executeRawUnsafe(
        `INSERT INTO "vakt"."ClusterMember" (id, "clusterId", name, "siteId", "agentUrl", "agentTokenEnc", "nextPollAt")
         SELECT 'm' || i, 'c' || (i / 3), 'n' || i, CASE WHEN i % 3 = 2 THEN 's-bergen' ELSE 's-oslo' END, $2 || '/a/' || i, $3, now() FROM generate_series(0, $1::int * 3 - 1) i`,
        clusters,
        fleet,
        sealSecret(AGENT_TOKEN),
      );
      await createPoller({ workerId: 'bench-readmodel', intervalMs: 5000 }).runCycle();
      await refreshUntilIdle(); // first computation (cold)
      // every row again: one poll interval's work when nothing changed
      const t = performance.now();
      await refreshUntilIdle({ kinds: ['cluster'] });
      const clustersMs = performance.now() - t;
      await refreshUntilIdle({ kinds: ['context'] });
      const recomputeMs = performance.now() - t;
      const one = `bench-${Math.floor(clusters / 2)}`;
      const slug = `ctx-${Math.floor(contexts / 2)}`;
      const row = [
        clusters,
        contexts,
        `${Math.round(recomputeMs)} ms: clusters ${Math.round(clustersMs)} ms (${Math.round((clusters / clustersMs) * 1000)}/s), contexts ${Math.round(recomputeMs - clustersMs)} ms (${Math.round((contexts / (recomputeMs - clustersMs)) * 1000)}/s)`,
        `${fmt(await timeIt(READS, () => rm.readClusters()))} vs ${fmt(await timeIt(Math.min(READS, 10), () => listClusters()))}`,
        `${fmt(await timeIt(READS, () => rm.readClusterSafety(one)))} vs ${fmt(await timeIt(READS, () => getClusterSafety(one)))}`,
        `${fmt(await timeIt(READS, () => rm.readContexts()))} vs ${fmt(await timeIt(Math.min(READS, 5), () => listContexts()))}`,
        `${fmt(await timeIt(READS, () => rm.readContext(slug)))} vs ${fmt(await timeIt(READS, () => getContext(slug)))}`,
        `${fmt(await timeIt(READS, () => renderMetrics()))}, ${Math.round((await renderMetrics()).body.length / 1024)} KiB`,
      ];
      console.log(`| ${row.join(' | ')} |`);
    }
    const { disconnectDb } = await import('@/lib/base/db');
    await disconnectDb();
  } finally {
    fleetServer.kill('SIGTERM');
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch((e) => console.error(`could not drop ${name}: ${(e as Error).message}`));
  }
}

const limit = setTimeout(() => {
  console.error('bench-readmodel: time limit (6 min) reached');
  process.exit(2);
}, 6 * 60_000);
limit.unref();
run().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
