// `npm run bench:web`: API and page latency at fleet scale, against `next start` (the production
// build; built first when out of date) with its embedded worker polling the simulated fleet, so
// reads are measured while the worker writes. Not part of `npm test`. Bounded in time; stops by itself.
//  1. a fresh database (vakt_benchweb_<ts> on 127.0.0.1:5432) filled by seed:fleet (500 clusters,
//     1,500 nodes, 200 contexts, 30 days of history), members at the simulated fleet (started here);
//  2. autocannon, BENCH_WEB_SECONDS per run, at 1 and 50 concurrent clients (pages also at 10) on
//     the API reads (API token) and the server render of the fleet, cluster and context pages
//     (session cookie); p50/p95/p99 and req/s per path, each against /api/health in the same run;
//  3. fault-to-screen: a real Chromium page on a cluster; the primary's PostgreSQL is stopped in the
//     simulated fleet; the time until the page shows it down;
//  4. /api/v1/clusters/{name}/safety again on a second database with 50 clusters (same build).
// Options (env): BENCH_WEB_SECONDS=5  BENCH_WEB_SKIP_50=1  BENCH_ADMIN_URL=postgresql://postgres@127.0.0.1:5432/postgres
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { chromium } from '@playwright/test';
import { buildIfNeeded, startApp, waitForHealth, type TAppProcess } from './demo/app-server';
import { getFreePort } from './pglocal/ports';
import { startSimulatedFleet, type TSimulatedFleet } from './bench/fleet';
import { adminQuery as adminQueryOn, loadSampler, once, printTable } from './bench/support';

const ROOT = path.resolve(import.meta.dirname, '..');
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const SECONDS = Number(process.env.BENCH_WEB_SECONDS ?? 5);
const INTERVAL_MS = 5000;
const stamp = Date.now().toString(36);
const SECRETS = { VAKT_SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789', NEXTAUTH_SECRET: 'bench-nextauth-secret-0123456789abcdef0123456789' };
const VIEWER = { email: 'bench-viewer@vakt.bench', password: 'bench-viewer-password-1' };
const CLUSTER = 'fleet-042';
const CONTEXT = 'fleet-ctx-042';

const databases: string[] = [];
let app: TAppProcess | null = null;
let fleet: TSimulatedFleet | null = null;
const hardStop = setTimeout(() => {
  console.error('bench:web: time limit (20 min) reached, stopping');
  void cleanup().finally(() => process.exit(2));
}, 20 * 60_000);

const dbUrlOf = (name: string) => Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).toString();
const adminQuery = (sql: string) => adminQueryOn(ADMIN_URL, sql);
const cleanup = once(async () => {
  await app?.stop().catch(() => undefined);
  fleet?.stop();
  for (const d of databases) await adminQuery(`DROP DATABASE IF EXISTS "${d}" WITH (FORCE)`).catch((e) => console.error(`could not drop ${d}: ${e.message}`));
});
process.on('SIGINT', () => void cleanup().finally(() => process.exit(130)));

const say = (m: string) => console.log(`bench:web: ${m}`);

/** A fresh database filled by seed:fleet (members at `fleetUrl`), a viewer user and a viewer API token. */
async function seededDatabase(o: { clusters: number; contexts: number; historyDays: number; fleetUrl: string }): Promise<{ url: string; token: string }> {
  const name = `vakt_benchweb_${stamp}_${o.clusters}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  databases.push(name);
  const url = dbUrlOf(name);
  const t0 = performance.now();
  execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/seed-fleet.ts'), '--fleet-url', o.fleetUrl], {
    env: { ...process.env, ...SECRETS, DATABASE_URL: url, SEED_CLUSTERS: String(o.clusters), SEED_CONTEXTS: String(o.contexts), SEED_HISTORY_DAYS: String(o.historyDays) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  say(`seeded ${name} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  // a viewer (pages: session cookie) and a viewer API token (API reads), through the use cases
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/bench-web.ts'), '--make-viewer'], {
    env: { ...process.env, ...SECRETS, DATABASE_URL: url, VAKT_LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
  const token = /"token":"([^"]+)"/.exec(out)?.[1];
  if (!token) throw new Error(`could not make the viewer: ${out}`);
  return { url, token };
}

async function makeViewer() {
  const { systemActor } = await import('@/lib/auth/actor');
  const { addUser } = await import('@/lib/auth/users');
  const { createApiToken } = await import('@/lib/auth/tokens');
  const { disconnectDb } = await import('@/lib/base/db');
  const actor = systemActor('bench:web');
  await addUser({ actor, email: VIEWER.email, password: VIEWER.password, role: 'viewer', teams: [] });
  const t = await createApiToken({ actor, input: { name: 'bench-web-viewer', role: 'viewer', teams: [] } });
  process.stdout.write(JSON.stringify({ token: t.token }) + '\n');
  await disconnectDb();
}

/** Sign in through next-auth's credentials callback; the session cookie header. */
async function sessionCookie(base: string): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (r: Response) => {
    for (const c of r.headers.getSetCookie()) {
      const [kv] = c.split(';');
      const i = kv.indexOf('=');
      jar.set(kv.slice(0, i), kv.slice(i + 1));
    }
  };
  const header = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const csrf = await fetch(`${base}/api/auth/csrf`);
  keep(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const r = await fetch(`${base}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: header() },
    body: new URLSearchParams({ csrfToken, email: VIEWER.email, password: VIEWER.password, json: 'true' }),
  });
  keep(r);
  const s = (await (await fetch(`${base}/api/auth/session`, { headers: { cookie: header() } })).json()) as { user?: { email?: string } };
  if (s?.user?.email !== VIEWER.email) throw new Error('sign-in as the bench viewer failed');
  return header();
}

type TRun = { path: string; clients: number; p50: number; p95: number; p99: number; rps: number; ok: number; errors: number; note?: string };
const pct = (xs: number[], p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] : NaN);

/** One bounded autocannon run (duration, or a number of requests); latencies collected per response (autocannon's own histogram has no p95). */
async function load(base: string, urlPath: string, clients: number, headers: Record<string, string>, amount?: number): Promise<TRun> {
  const lat: number[] = [];
  let errors = 0;
  let ok = 0;
  const t0 = performance.now();
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const opts = amount ? { amount, timeout: 120 } : { duration: SECONDS, timeout: 30 };
    const inst = autocannon({ url: base + urlPath, connections: clients, headers, ...opts }, (err, res) => (err ? reject(err) : resolve(res)));
    inst.on('response', (_c, status, _b, t) => {
      if (status === 200) {
        ok++;
        lat.push(t);
      } else errors++;
    });
  });
  const seconds = (performance.now() - t0) / 1000;
  errors += r.errors + r.timeouts;
  lat.sort((a, b) => a - b);
  return { path: urlPath, clients, p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99), rps: ok / seconds, ok, errors };
}

/** Requests abandoned at the end of a run keep the server busy: wait until /api/health answers fast again. */
async function settle(base: string) {
  const until = Date.now() + 120_000;
  let fast = 0;
  while (fast < 3 && Date.now() < until) {
    const t0 = performance.now();
    await fetch(`${base}/api/health`).catch(() => undefined);
    fast = performance.now() - t0 < 250 ? fast + 1 : 0;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A path at `clients`: a SECONDS-long run; a path too slow to answer 3 times in it runs 3 requests
 * one after the other instead (1 client). At 50 clients a path whose single-client p50 is over 1 s
 * is not run (its requests would queue for minutes): the row says so.
 */
async function measure(base: string, urlPath: string, clients: number, headers: Record<string, string>, single?: TRun): Promise<TRun> {
  if (single && clients > 1 && single.p50 > 1000) return { path: urlPath, clients, p50: NaN, p95: NaN, p99: NaN, rps: NaN, ok: 0, errors: 0, note: `not run: p50 ${ms(single.p50)} at 1 client` };
  let r = await load(base, urlPath, clients, headers);
  await settle(base);
  if (r.ok < 3 && clients === 1) {
    r = { ...(await load(base, urlPath, 1, headers, 3)), note: '3 requests in a row' };
    await settle(base);
  } else if (r.ok < clients * 3) r.note = `${r.ok} answers: requests still open at the end are not counted`;
  return r;
}

const ms = (x: number) => (Number.isNaN(x) ? '–' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(x < 10 ? 1 : 0)} ms`);
function printRuns(runs: TRun[]) {
  const head = ['path', 'clients', 'p50', 'p95', 'p99', 'req/s', 'req/s ÷ health', 'p95 ÷ health', 'non-200/errors', 'note'];
  const rows = runs.map((r) => {
    const h = runs.find((x) => x.path === '/api/health' && x.clients === r.clients) ?? runs.find((x) => x.path === '/api/health' && x.clients === 50)!;
    const ratio = (x: number) => (Number.isNaN(x) ? '–' : x.toFixed(2));
    return [r.path, String(r.clients), ms(r.p50), ms(r.p95), ms(r.p99), Number.isNaN(r.rps) ? '–' : r.rps.toFixed(r.rps < 10 ? 1 : 0), ratio(r.rps / h.rps), ratio(r.p95 / h.p95), String(r.errors), r.note ?? ''];
  });
  printTable(head, rows);
}

async function startServer(dbUrl: string): Promise<string> {
  const port = await getFreePort();
  app = startApp({
    port,
    env: { ...process.env, ...SECRETS, DATABASE_URL: dbUrl, PORT: String(port), NODE_ENV: 'production', NEXTAUTH_URL: `http://127.0.0.1:${port}`, VAKT_WORKER: 'embedded', VAKT_LOG_LEVEL: 'warn', VAKT_POLL_INTERVAL_MS: String(INTERVAL_MS) },
    logFile: path.join(os.tmpdir(), `vakt-bench-web-${stamp}-${port}.log`),
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForHealth(base, { child: app.child, timeoutMs: 120_000 });
  return base;
}

/** Wait until the worker has stored an observation of every member (the first polls after start). */
async function waitForPolled(dbUrl: string, timeoutMs = 60_000) {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await c.query(`SELECT (SELECT count(*) FROM "vakt"."ClusterMember")::int AS members, (SELECT count(*) FROM "vakt"."NodeObservation" WHERE status = 'ok')::int AS ok`);
      if (rows[0].ok >= rows[0].members) return;
      if (Date.now() > until) throw new Error(`only ${rows[0].ok} of ${rows[0].members} members polled ok within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await c.end();
  }
}

/** From stopping the primary's PostgreSQL (simulated fleet) to a real Chromium page on its cluster showing it down. */
async function faultToScreen(base: string, cookie: string): Promise<number[]> {
  const exe = process.env.PLAYWRIGHT_CHROMIUM ?? (fs.existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
  const browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'] });
  const times: number[] = [];
  try {
    const ctx = await browser.newContext({ baseURL: base });
    await ctx.addCookies(cookie.split('; ').map((kv) => ({ name: kv.slice(0, kv.indexOf('=')), value: kv.slice(kv.indexOf('=') + 1), url: base })));
    const page = await ctx.newPage();
    // three clusters, one after the other: cluster c's primary is node 3c, named n<3c>
    for (const c of [7, 8, 9]) {
      const name = `fleet-${String(c).padStart(3, '0')}`;
      const member = page.getByTestId(`member-n${3 * c}`);
      await page.goto(`/clusters/${name}`, { timeout: 120_000 });
      await member.waitFor();
      await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-status') === 'ok', `[data-testid="member-n${3 * c}"]`, { timeout: 30_000 });
      const t0 = performance.now();
      await fleet!.setPostgres(3 * c, false);
      await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-status') === 'down', `[data-testid="member-n${3 * c}"]`, { timeout: 60_000, polling: 50 });
      times.push(performance.now() - t0);
      await fleet!.setPostgres(3 * c, true);
    }
  } finally {
    await browser.close();
  }
  return times;
}

async function main() {
  const t0 = performance.now();
  say(`${os.availableParallelism()} CPUs, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; ${SECONDS} s per run`);
  const built = await buildIfNeeded({ env: { ...process.env, ...SECRETS, NODE_ENV: 'production' }, logFile: path.join(os.tmpdir(), `vakt-bench-web-build-${stamp}.log`), say });
  say(`production build ${built}`);
  fleet = await startSimulatedFleet({ port: await getFreePort() });
  const big = await seededDatabase({ clusters: 500, contexts: 200, historyDays: 30, fleetUrl: fleet.url });
  const base = await startServer(big.url);
  await waitForPolled(big.url);
  say(`next start on ${base}, worker polling ${fleet.url}; every member polled`);
  const cookie = await sessionCookie(base);
  const api = { authorization: `Bearer ${big.token}` };
  const page = { cookie };
  // the lists answer their first page (50 items); `?sort=worst&summary=true` is what the fleet page re-reads
  const apiPaths = ['/api/health', '/api/v1/clusters', '/api/v1/clusters?sort=worst&summary=true', `/api/v1/clusters/${CLUSTER}/safety`, '/api/v1/contexts', `/api/v1/contexts/${CONTEXT}`, '/api/metrics'];
  const pagePaths = ['/fleet', `/clusters/${CLUSTER}`, `/contexts/${CONTEXT}`];
  // warm-up: each path once
  for (const p of [...apiPaths, ...pagePaths]) await fetch(base + p, { headers: p.startsWith('/api') ? api : page }).catch(() => undefined);
  await settle(base);
  const runs: TRun[] = [];
  const loadAvg = loadSampler();
  const single = (p: string) => runs.find((r) => r.path === p && r.clients === 1);
  for (const clients of [1, 50]) for (const p of apiPaths) runs.push(await measure(base, p, clients, api, single(p)));
  runs.push(await measure(base, '/api/health', 10, api));
  for (const clients of [1, 10, 50]) for (const p of pagePaths) runs.push(await measure(base, p, clients, page, single(p)));
  say('500 clusters, 1,500 nodes, 200 contexts, 30 days of history; the worker polling every node every 5 s meanwhile');
  say(loadAvg.summary());
  loadAvg.stop();
  printRuns(runs);

  await settle(base);
  const f2s = await faultToScreen(base, cookie);
  say(`fault-to-screen (primary's PostgreSQL stopped → Chromium shows the member down), poll interval ${INTERVAL_MS} ms: ${f2s.map((t) => ms(t)).join(', ')} (target ≤ ${ms(INTERVAL_MS + 1000)})`);
  await app!.stop();
  app = null;

  if (!process.env.BENCH_WEB_SKIP_50) {
    const small = await seededDatabase({ clusters: 50, contexts: 20, historyDays: 1, fleetUrl: fleet.url });
    const base50 = await startServer(small.url);
    await waitForPolled(small.url);
    const api50 = { authorization: `Bearer ${small.token}` };
    const runs50: TRun[] = [];
    await settle(base50);
    for (const clients of [1, 50]) for (const p of ['/api/health', '/api/v1/clusters', `/api/v1/clusters/${CLUSTER}/safety`]) runs50.push(await measure(base50, p, clients, api50, runs50.find((r) => r.path === p && r.clients === 1)));
    say('the same /safety and first /clusters page (50 items either way) with 50 clusters (150 nodes) instead of 500:');
    printRuns(runs50);
    const at = (rs: TRun[], c: number, p: string) => rs.find((r) => r.path === p && r.clients === c)!;
    for (const p of [`/api/v1/clusters/${CLUSTER}/safety`, '/api/v1/clusters'])
      for (const c of [1, 50]) say(`${p} at ${c} client(s): p95 ${ms(at(runs50, c, p).p95)} at 50 clusters, ${ms(at(runs, c, p).p95)} at 500 (${(at(runs, c, p).p95 / at(runs50, c, p).p95).toFixed(2)}x)`);
  }
  say(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

if (process.argv[2] === '--make-viewer') {
  clearTimeout(hardStop);
  makeViewer().then(
    () => process.exit(0),
    (e) => {
      console.error((e as Error).message);
      process.exit(1);
    },
  );
} else {
  main()
    .then(async () => {
      await cleanup();
      clearTimeout(hardStop);
      process.exit(0);
    })
    .catch(async (e) => {
      console.error(`bench:web failed: ${(e as Error).stack ?? e}`);
      await cleanup();
      process.exit(1);
    });
}
