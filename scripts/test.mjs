// `npm test`: system programs, then lint, dead code (knip), duplicates (jscpd), typecheck, unit, integration, build and browser tests.
// Stops at the first failing stage and prints a summary line.
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { ensureSystemDeps } from './system-deps.mjs';

const t0 = Date.now();
ensureSystemDeps();

const adminUrl = process.env.VAKT_TEST_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
try {
  const c = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await c.connect();
  await c.end();
} catch (e) {
  console.error(`PostgreSQL for Vakt's test databases is not reachable at ${adminUrl.replace(/:[^:@/]*@/, ':***@')}: ${e.message}`);
  console.error('Start it (Debian: pg_ctlcluster 15 main start) or set VAKT_TEST_ADMIN_URL to a superuser URL.');
  process.exit(3);
}

const only = process.argv.slice(2);
const stages = [
  ['lint', ['npx', 'eslint', '.']],
  ['deadcode', ['npx', 'knip']], // knip.json: unused files, exports, dependencies
  ['duplicates', ['npx', 'jscpd']], // .jscpd.json: copies over the threshold fail
  ['typecheck', ['npx', 'tsc', '--noEmit']],
  ['unit', ['npx', 'vitest', 'run', '--project', 'unit']],
  ['integration', ['npx', 'vitest', 'run', '--project', 'integration']],
  ['build', ['npx', 'next', 'build']],
  ['e2e', ['node', 'scripts/e2e.mjs']],
].filter(([name]) => only.length === 0 || only.includes(name));

const results = [];
for (const [name, cmd] of stages) {
  const s = Date.now();
  console.log(`\n=== ${name}: ${cmd.join(' ')}`);
  const r = spawnSync(cmd[0], cmd.slice(1), { stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0', NEXT_TELEMETRY_DISABLED: '1' } });
  const ok = r.status === 0;
  results.push({ name, ok, seconds: Math.round((Date.now() - s) / 1000) });
  if (!ok) break;
}
console.log('\n=== summary');
for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds}s)`);
const failed = results.filter((r) => !r.ok).length;
console.log(`total ${Math.round((Date.now() - t0) / 1000)}s`);
console.log(`stages: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed || results.length < stages.length ? 1 : 0);
