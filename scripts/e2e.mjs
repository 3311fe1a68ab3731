// Browser tests against a real `next start` (built app), a fresh database seeded with the demo data,
// and the embedded worker. Always stops the server and drops the database.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import pg from 'pg';

const adminUrl = process.env.VAKT_TEST_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const dbName = `vakt_e2e_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
const port = await freePort();
const APP_LOG = '.vakt/logs/e2e-app.log';
const base = `http://127.0.0.1:${port}`;
const env = {
  ...process.env,
  DATABASE_URL: dbUrl,
  PORT: String(port),
  NEXTAUTH_URL: base,
  NEXTAUTH_SECRET: randomBytes(32).toString('hex'),
  VAKT_SECRET_KEY: randomBytes(32).toString('base64'),
  VAKT_POLL_INTERVAL_MS: '1000',
  VAKT_STALE_AFTER_MS: '5000',
  VAKT_PRIMARY_DOWN_FOR_SECONDS: '2',
  VAKT_LOG_LEVEL: 'warn',
  E2E_BASE_URL: base,
  NEXT_TELEMETRY_DISABLED: '1',
  E2E_DATABASE_URL: dbUrl,
};

async function freePort() {
  return new Promise((res) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
}
async function q(sql) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}

let server;
let code = 1;
try {
  await q(`CREATE DATABASE "${dbName}"`);
  const run = (args) => { const r = spawnSync(args[0], args.slice(1), { stdio: 'inherit', env }); if (r.status !== 0) throw new Error(`${args.join(' ')} failed`); };
  run(['node', 'scripts/migrate.mjs', 'deploy']);
  run(['npx', 'tsx', 'scripts/vakt.ts', 'seed-demo']);
  if (!fs.existsSync('.next/BUILD_ID')) run(['npx', 'next', 'build']);
  // not under test-results/: Playwright empties that folder when it starts
  fs.mkdirSync('.vakt/logs', { recursive: true });
  const log = fs.openSync(APP_LOG, 'w');
  server = spawn('./node_modules/.bin/next', ['start', '-p', String(port), '-H', '127.0.0.1'], { env, stdio: ['ignore', log, log], detached: true });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try { const r = await fetch(`${base}/api/health`); if (r.ok) break; } catch {}
    if (Date.now() > deadline) throw new Error('app did not become healthy in 60 s (see ' + APP_LOG + ')');
    await new Promise((r) => setTimeout(r, 500));
  }
  const r = spawnSync('npx', ['playwright', 'test', ...process.argv.slice(2)], { stdio: 'inherit', env });
  code = r.status ?? 1;
  if (code !== 0) console.error(`app log: ${APP_LOG}\n` + fs.readFileSync(APP_LOG, 'utf8').split('\n').slice(-40).join('\n'));
} catch (e) {
  console.error('e2e:', e.message);
} finally {
  if (server) { try { process.kill(-server.pid, 'SIGTERM'); } catch {} await new Promise((r) => setTimeout(r, 1500)); try { process.kill(-server.pid, 'SIGKILL'); } catch {} }
  await q(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch((e) => console.error('drop failed', e.message));
}
process.exit(code);
