// `npm run bench:poller`: the real poller against a simulated fleet on loopback, stored in a real,
// fresh database (vakt_bench_<ts> on 127.0.0.1:5432, migrated, dropped at the end).
// For 500, 2,000 and 5,000 nodes (clusters of 3): a full cycle with every node due at once, then a
// steady 5-second-interval run of the real worker loop. Bounded in time; stops by itself.
// Options (env): BENCH_SIZES=500,2000,5000  BENCH_STEADY_MS=12000  BENCH_ADMIN_URL=postgresql://postgres@127.0.0.1:5432/postgres
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const ROOT = path.resolve(import.meta.dirname, '..');
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const SIZES = (process.env.BENCH_SIZES ?? '500,2000,5000').split(',').map(Number);
const STEADY_MS = Number(process.env.BENCH_STEADY_MS ?? 12_000);
const INTERVAL_MS = 5000;
const TOKEN = 'bench-token-0123456789';
const dbName = `vakt_bench_${Date.now().toString(36)}`;
const dbUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${dbName}` }).toString();

let fleet: ChildProcess | null = null;
const hardStop = setTimeout(() => {
  console.error('bench: time limit reached, stopping');
  void cleanup().finally(() => process.exit(2));
}, 8 * 60_000);

async function adminQuery(sql: string) {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  fleet?.kill('SIGTERM');
  try {
    const { disconnectDb } = await import('@/lib/base/db');
    await disconnectDb();
  } catch {
    /* not loaded */
  }
  await adminQuery(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch((e) => console.error(`could not drop ${dbName}: ${e.message}`));
}
process.on('SIGINT', () => void cleanup().finally(() => process.exit(130)));

function startFleet(): Promise<number> {
  // `node --import tsx`: the server is this child itself (IPC disconnect ends it if we die)
  fleet = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/bench/fake-fleet-server.ts'), TOKEN], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    fleet!.stdout!.on('data', (d) => {
      buf += d;
      const m = /\{"port":(\d+)\}/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    fleet!.once('exit', (code) => reject(new Error(`fleet server exited (${code})`)));
  });
}

const mb = (n: number) => `${Math.round(n / 1048576)} MB`;
const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] : 0);

async function main() {
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
  const { startWorker } = await import('@/lib/worker');
  const { pollerLoop } = await import('@/lib/worker/poller-loop');
  await db.$queryRawUnsafe('SELECT 1');
  const baselineRss = process.memoryUsage().rss;
  const port = await startFleet();
  const base = `http://127.0.0.1:${port}`;
  console.log(`bench: database ${dbName}, fleet on ${base}, concurrency ${env().VAKT_POLL_CONCURRENCY}, timeout ${env().VAKT_POLL_TIMEOUT_MS} ms, interval ${INTERVAL_MS} ms, ${require_cpus()} CPUs, RSS after loading the worker code ${mb(baselineRss)}`);
  await db.$executeRawUnsafe(`INSERT INTO "vakt"."Site" (id, name) VALUES ('site-oslo', 'oslo'), ('site-bergen', 'bergen')`);
  const sealed = sealSecret(TOKEN);
  const rows: string[][] = [];

  for (const n of SIZES) {
    await db.$executeRawUnsafe(`TRUNCATE "vakt"."Cluster", "vakt"."ClusterMember", "vakt"."NodeObservation", "vakt"."ObservationSample", "vakt"."ClusterEvent" CASCADE`);
    const clusters = Math.ceil(n / 3);
    await db.$executeRawUnsafe(`INSERT INTO "vakt"."Cluster" (id, name, kind) SELECT 'c' || c, 'bench-' || c, 'vakt_agent' FROM generate_series(0, $1::int - 1) c`, clusters);
    await db.$executeRawUnsafe(
      `INSERT INTO "vakt"."ClusterMember" (id, "clusterId", name, "siteId", "agentUrl", "agentTokenEnc", "nextPollAt")
       SELECT 'm' || i, 'c' || (i / 3), 'n' || i, CASE WHEN i % 3 = 2 THEN 'site-bergen' ELSE 'site-oslo' END, $2 || '/a/' || i, $3, now()
         FROM generate_series(0, $1::int - 1) i`,
      n,
      base,
      sealed,
    );
    global.gc?.();
    // 1) full cycle: every node due at once
    const burst = createPoller({ workerId: 'bench-burst', intervalMs: INTERVAL_MS });
    const t0 = performance.now();
    const r = await burst.runCycle();
    const cycleMs = performance.now() - t0;
    const burstDb = burst.stats.dbWriteMs;
    const okCount = burst.stats.ok;

    // 2) steady state: the real worker loop, nodes spread over the interval
    await db.$executeRawUnsafe(`UPDATE "vakt"."ClusterMember" SET "nextPollAt" = now() + random() * ($1::int * interval '1 millisecond'), "leaseOwner" = NULL, "leaseUntil" = NULL`, INTERVAL_MS);
    let stored = 0;
    let dbMs = 0;
    const late: number[] = [];
    let rssMax = process.memoryUsage().rss;
    const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 200);
    const w = startWorker({
      id: 'bench-steady',
      loops: [
        pollerLoop({
          intervalMs: INTERVAL_MS,
          onStored: (i) => {
            stored += i.memberIds.length;
            dbMs += i.dbWriteMs;
            i.dueAt.forEach((d, k) => late.push(i.observedAt[k].getTime() - d.getTime()));
          },
        }),
      ],
    });
    const s0 = performance.now();
    await new Promise((res) => setTimeout(res, STEADY_MS));
    const steadyMs = performance.now() - s0;
    const mu = process.memoryUsage();
    await w.stop();
    clearInterval(rssTimer);
    if (process.env.BENCH_VERBOSE) console.log(`bench: memory at the end of the steady run: rss ${mb(mu.rss)}, heap used ${mb(mu.heapUsed)} of ${mb(mu.heapTotal)}, external ${mb(mu.external)}, array buffers ${mb(mu.arrayBuffers)}`);
    const cycles = steadyMs / INTERVAL_MS;
    const rate = stored / (steadyMs / 1000);
    rows.push([
      String(n),
      `${Math.round(r.polled / (cycleMs / 1000))}`,
      `${(cycleMs / 1000).toFixed(2)} s`,
      `${Math.round(burstDb)} ms`,
      `${Math.round(rate)} (${Math.round((rate * INTERVAL_MS) / 1000 / n * 100)}% of N/5s)`,
      `${Math.round(dbMs / cycles)} ms`,
      `${pct(late, 50)} / ${pct(late, 99)} ms`,
      mb(rssMax),
      `${okCount}/${n}`,
    ]);
    console.log(`bench: ${n} nodes done`);
  }
  const head = ['nodes', 'polled/s (full cycle)', 'full-cycle time', 'DB write (full cycle)', 'steady polled/s', 'DB write per 5 s cycle', 'lateness p50/p99', 'worker RSS max', 'ok'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log('\n' + line(head));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
}
function require_cpus() {
  return os.availableParallelism();
}

main()
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
