// `npm run bench:poller`: the real poller against a simulated fleet on loopback, stored in a real,
// fresh database (vakt_bench_<ts> on 127.0.0.1:5432, migrated, dropped at the end).
// For 500, 2,000 and 5,000 nodes (clusters of 3): a bare HTTP fan-out over the same simulated fleet
// (the floor: same concurrency and keep-alive, no database, no validation), Vakt's first cycle (every
// node due at once, never seen before), its full cycle (every node due at once again: what a cycle of
// a running worker is), then a steady 5-second-interval run of the real worker loop.
// Then 10,000 nodes shared by two worker processes through the leases, at a 5 s interval.
// Beside the wall times, the CPU time per node of the bare fan-out (client + fleet server) and of
// the full cycle (worker + PostgreSQL backends + fleet server), from /proc: the work done, which
// hardly depends on what else the machine runs.
// Bounded in time; stops by itself.
// Options (env): BENCH_SIZES=500,2000,5000  BENCH_STEADY_MS=12000  BENCH_TWO_WORKERS=10000 (0 = skip)
//                BENCH_ADMIN_URL=postgresql://postgres@127.0.0.1:5432/postgres
import { spawn, execFileSync } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { adminQuery as adminQueryOn, cpuMeter, loadSampler, once, printTable } from './bench/support';
import { FLEET_TOKEN, startSimulatedFleet, type TSimulatedFleet } from './bench/fleet';

const ROOT = path.resolve(import.meta.dirname, '..');
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const SIZES = (process.env.BENCH_SIZES ?? '500,2000,5000').split(',').map(Number);
const STEADY_MS = Number(process.env.BENCH_STEADY_MS ?? 12_000);
const INTERVAL_MS = 5000;
const TWO_WORKERS = Number(process.env.BENCH_TWO_WORKERS ?? 10_000);
const TOKEN = FLEET_TOKEN;
const workerMode = process.argv[2] === '--steady-worker';
const dbName = workerMode ? '' : `vakt_bench_${Date.now().toString(36)}`;
const dbUrl = workerMode ? process.env.DATABASE_URL! : Object.assign(new URL(ADMIN_URL), { pathname: `/${dbName}` }).toString();

let fleet: TSimulatedFleet | null = null;
const hardStop = setTimeout(() => {
  console.error('bench: time limit reached, stopping');
  void cleanup().finally(() => process.exit(2));
}, 8 * 60_000);

const adminQuery = (sql: string) => adminQueryOn(ADMIN_URL, sql);
const cleanup = once(async () => {
  if (workerMode) return;
  fleet?.stop();
  try {
    const { disconnectDb } = await import('@/lib/base/db');
    await disconnectDb();
  } catch {
    /* not loaded */
  }
  await adminQuery(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch((e) => console.error(`could not drop ${dbName}: ${e.message}`));
});
process.on('SIGINT', () => void cleanup().finally(() => process.exit(130)));

const mb = (n: number) => `${Math.round(n / 1048576)} MB`;
const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] : 0);

/** The floor: GET every node's status once with the poller's concurrency over keep-alive sockets, read the body; nothing else. */
async function bareFanOut(base: string, n: number, concurrency: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const get = (i: number) =>
    new Promise<void>((resolve, reject) => {
      http
        .get(`${base}/a/${i}/v1/status`, { agent, headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => (res.statusCode === 200 && Buffer.concat(chunks).length > 0 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
        })
        .on('error', reject);
    });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await get(next++);
  }));
  const ms = performance.now() - t0;
  agent.destroy();
  return ms;
}

/** Register `n` nodes as clusters of 3 at the fleet (everything before is removed). */
async function registerNodes(n: number, base: string, sealed: string) {
  const { db } = await import('@/lib/base/db');
  await db.$executeRawUnsafe(`TRUNCATE "vakt"."Cluster", "vakt"."ClusterMember", "vakt"."NodeObservation", "vakt"."ObservationSample", "vakt"."ClusterEvent" CASCADE`);
  await db.$executeRawUnsafe(`INSERT INTO "vakt"."Cluster" (id, name, kind) SELECT 'c' || c, 'bench-' || c, 'vakt_agent' FROM generate_series(0, $1::int - 1) c`, Math.ceil(n / 3));
  await db.$executeRawUnsafe(
    `INSERT INTO "vakt"."ClusterMember" (id, "clusterId", name, "siteId", "agentUrl", "agentTokenEnc", "nextPollAt")
     SELECT 'm' || i, 'c' || (i / 3), 'n' || i, CASE WHEN i % 3 = 2 THEN 'site-bergen' ELSE 'site-oslo' END, $2 || '/a/' || i, $3, now()
       FROM generate_series(0, $1::int - 1) i`,
    n,
    base,
    sealed,
  );
}

/** Child process (two-worker run): the real worker loop for BENCH_STEADY_MS, then its figures as one JSON line. */
async function steadyWorker(id: string) {
  process.env.VAKT_POLL_INTERVAL_MS = String(INTERVAL_MS);
  const { db, disconnectDb } = await import('@/lib/base/db');
  const { startWorker } = await import('@/lib/worker');
  const { pollerLoop } = await import('@/lib/worker/poller-loop');
  await db.$queryRawUnsafe('SELECT 1');
  let stored = 0;
  let dbMs = 0;
  const late: number[] = [];
  let rssMax = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 200);
  // the workers start together: the parent sends "go" once all have loaded their code
  const go = new Promise<void>((r) => process.once('message', () => r()));
  process.send!('ready');
  await go;
  const w = startWorker({ id, loops: [pollerLoop({ intervalMs: INTERVAL_MS, onStored: (i) => {
    stored += i.memberIds.length;
    dbMs += i.dbWriteMs;
    i.dueAt.forEach((d, k) => late.push(i.observedAt[k].getTime() - d.getTime()));
  } })] });
  const s0 = performance.now();
  await new Promise((res) => setTimeout(res, STEADY_MS));
  const seconds = (performance.now() - s0) / 1000;
  await w.stop();
  clearInterval(rssTimer);
  process.stdout.write(JSON.stringify({ stored, dbMs, seconds, p50: pct(late, 50), p99: pct(late, 99), rssMax }) + '\n');
  await disconnectDb();
  process.exit(0);
}

type TWorkerFigures = { stored: number; dbMs: number; seconds: number; p50: number; p99: number; rssMax: number };
function spawnSteadyWorker(id: string): { ready: Promise<void>; go(): void; done: Promise<TWorkerFigures> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/bench-poller.ts'), '--steady-worker', id], {
    env: { ...process.env, DATABASE_URL: dbUrl },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const done = new Promise<TWorkerFigures>((resolve, reject) =>
    child.once('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line));
      else reject(new Error(`worker ${id} exited ${code}: ${out}`));
    }),
  );
  const ready = new Promise<void>((r) => child.once('message', () => r()));
  return { ready, go: () => child.send('go'), done };
}

async function main() {
  const loadAvg = loadSampler();
  await adminQuery(`CREATE DATABASE "${dbName}"`);
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/migrate.mjs'), 'deploy'], { env: { ...process.env, DATABASE_URL: dbUrl }, stdio: 'pipe' });
  process.env.DATABASE_URL = dbUrl;
  process.env.VAKT_SECRET_KEY ??= 'bench-secret-key-0123456789abcdef0123456789';
  process.env.VAKT_LOG_LEVEL ??= 'warn';
  process.env.VAKT_POLL_INTERVAL_MS = String(INTERVAL_MS);
  const { resetEnv, env } = await import('@/lib/base/env');
  resetEnv();
  const { db } = await import('@/lib/base/db');
  const { sealSecret } = await import('@/lib/base/secret-box');
  const { createPoller } = await import('@/lib/telemetry/poll-cycle');
  await db.$queryRawUnsafe('SELECT 1');
  const baselineRss = process.memoryUsage().rss;
  fleet = await startSimulatedFleet({ token: TOKEN });
  const base = fleet.url;
  console.log(`bench: database ${dbName}, fleet on ${base}, concurrency ${env().VAKT_POLL_CONCURRENCY}, timeout ${env().VAKT_POLL_TIMEOUT_MS} ms, interval ${INTERVAL_MS} ms, ${require_cpus()} CPUs, RSS after loading the worker code ${mb(baselineRss)}`);
  await db.$executeRawUnsafe(`INSERT INTO "vakt"."Site" (id, name) VALUES ('site-oslo', 'oslo'), ('site-bergen', 'bergen')`);
  const sealed = sealSecret(TOKEN);
  const rows: string[][] = [];
  const cpuRows: string[][] = [];
  // CPU time per node beside the wall times: the work done, whatever else the machine runs
  const meter = cpuMeter({ adminUrl: ADMIN_URL, database: dbName, otherPid: fleet.child.pid });
  const perNode = (a: number | null, b: number | null, n: number) => (a === null || b === null ? null : ((b - a) * 1000) / n);
  const us = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x)} µs`);

  for (const n of SIZES) {
    await registerNodes(n, base, sealed);
    // 1) first cycle: every node due at once, never seen before (first-seen events for all)
    const cold = createPoller({ workerId: 'bench-cold', intervalMs: INTERVAL_MS });
    const c0 = performance.now();
    await cold.runCycle();
    const coldMs = performance.now() - c0;
    // 2) the floor: a bare HTTP fan-out over the same fleet, same concurrency
    const b0 = await meter.read();
    const bareMs = await bareFanOut(base, n, env().VAKT_POLL_CONCURRENCY);
    const b1 = await meter.read();
    global.gc?.();
    // 3) full cycle: every node due at once again (seen before: what a worker's cycle is)
    await db.$executeRawUnsafe(`UPDATE "vakt"."ClusterMember" SET "nextPollAt" = now(), "leaseOwner" = NULL, "leaseUntil" = NULL`);
    const burst = createPoller({ workerId: 'bench-burst', intervalMs: INTERVAL_MS });
    const f0 = await meter.read();
    const t0 = performance.now();
    const r = await burst.runCycle();
    const cycleMs = performance.now() - t0;
    const f1 = await meter.read();
    const bare = { client: perNode(b0.self, b1.self, n), fleet: perNode(b0.other, b1.other, n) };
    const full = { worker: perNode(f0.self, f1.self, n), pg: perNode(f0.pg, f1.pg, n), fleet: perNode(f0.other, f1.other, n) };
    const bareAll = (bare.client ?? 0) + (bare.fleet ?? 0);
    const fullAll = (full.worker ?? 0) + (full.pg ?? 0) + (full.fleet ?? 0);
    cpuRows.push([
      String(n),
      `${us(bare.client)} + ${us(bare.fleet)}`,
      `${us(full.worker)} + ${us(full.pg)} + ${us(full.fleet)}`,
      bare.fleet === null || full.pg === null ? 'n/a' : `${(fullAll / bareAll).toFixed(2)}x`,
    ]);
    const burstDb = burst.stats.dbWriteMs;
    const okCount = burst.stats.ok;

    // 4) steady state: the real worker loop in a worker process of its own (as `npm run worker`
    // runs it), nodes spread over the interval from the moment it is ready
    const benchRss = process.memoryUsage().rss;
    const [f] = await steadyRun(1);
    const steadyMs = f.seconds * 1000;
    const { stored, dbMs, rssMax } = f;
    const cycles = steadyMs / INTERVAL_MS;
    const rate = stored / (steadyMs / 1000);
    rows.push([
      String(n),
      `${(bareMs / 1000).toFixed(2)} s`,
      `${(cycleMs / 1000).toFixed(2)} s (${(cycleMs / bareMs).toFixed(2)}x)`,
      `${(coldMs / 1000).toFixed(2)} s`,
      `${Math.round(r.polled / (cycleMs / 1000))}`,
      `${Math.round(burstDb)} ms`,
      `${Math.round(rate)} (${Math.round((rate * INTERVAL_MS) / 1000 / n * 100)}% of N/5s)`,
      `${Math.round(dbMs / cycles)} ms`,
      `${f.p50} / ${f.p99} ms`,
      mb(rssMax),
      mb(benchRss),
      `${okCount}/${n}`,
    ]);
    console.log(`bench: ${n} nodes done`);
  }
  const head = ['nodes', 'bare HTTP fan-out', 'Vakt full cycle (x bare)', 'first cycle (first sight)', 'polled/s (full cycle)', 'DB write (full cycle)', 'steady polled/s', 'DB write per 5 s cycle', 'lateness p50/p99', 'worker RSS max (its process)', 'bench process RSS', 'ok'];
  printTable(head, rows);
  await meter.close();
  printTable(['nodes', 'CPU per node, bare fan-out (client + fleet)', 'CPU per node, full cycle (worker + PostgreSQL backends + fleet)', 'CPU x bare'], cpuRows);
  console.log(`bench: ${loadAvg.summary()}`);

  if (TWO_WORKERS > 0) {
    // two worker processes share TWO_WORKERS nodes through the leases, nodes spread over the interval
    await registerNodes(TWO_WORKERS, base, sealed);
    const figs = await steadyRun(2);
    const polled = figs.reduce((a, f) => a + f.stored / f.seconds, 0);
    printTable(
      ['nodes', 'workers', 'steady polled/s (both)', 'per worker polled/s', 'lateness p50/p99 per worker', 'worker RSS max per worker'],
      [[String(TWO_WORKERS), '2', `${Math.round(polled)} (${Math.round(((polled * INTERVAL_MS) / 1000 / TWO_WORKERS) * 100)}% of N/5s)`, figs.map((f) => Math.round(f.stored / f.seconds)).join(' / '), figs.map((f) => `${f.p50}/${f.p99} ms`).join(' · '), figs.map((f) => mb(f.rssMax)).join(' / ')]],
    );
    console.log(`bench: ${loadAvg.summary()}`);
  }
  loadAvg.stop();
}
/** `workers` worker processes run the steady loop together; the nodes are spread over the interval once all are ready. */
async function steadyRun(workers: number): Promise<TWorkerFigures[]> {
  const { db } = await import('@/lib/base/db');
  const ws = Array.from({ length: workers }, (_, k) => spawnSteadyWorker(`bench-w${k + 1}`));
  await Promise.all(ws.map((w) => w.ready));
  await db.$executeRawUnsafe(`UPDATE "vakt"."ClusterMember" SET "nextPollAt" = now() + random() * ($1::int * interval '1 millisecond'), "leaseOwner" = NULL, "leaseUntil" = NULL`, INTERVAL_MS);
  ws.forEach((w) => w.go());
  return Promise.all(ws.map((w) => w.done));
}
function require_cpus() {
  return os.availableParallelism();
}

if (workerMode) {
  clearTimeout(hardStop);
  steadyWorker(process.argv[3]).catch((e) => {
    console.error(`bench worker failed: ${(e as Error).stack ?? e}`);
    process.exit(1);
  });
} else main()
  .then(async () => {
    await cleanup();
    clearTimeout(hardStop);
    process.exit(0);
  })
  .catch(async (e) => {
    console.error(`bench failed: ${(e as Error).stack ?? e}`);
    await cleanup();
    process.exit(1);
  });
