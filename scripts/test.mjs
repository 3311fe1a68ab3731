// `npm test`: system programs, then lint, dead code (knip), duplicates (jscpd), typecheck, unit, integration, build and browser tests.
// The four static checks run at once; the stages after them run in order and the run stops at the first failing one. It prints a summary line.
import { spawn, spawnSync } from 'node:child_process';
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
// The static checks are single-threaded and independent: they run at once (output is buffered and
// printed per stage, in order); the stages after them run one at a time.
const PARALLEL = new Set(['lint', 'deadcode', 'duplicates', 'typecheck']);
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

const stageEnv = { ...process.env, FORCE_COLOR: '0', NEXT_TELEMETRY_DISABLED: '1' };
function runBuffered([name, cmd]) {
  return new Promise((resolve) => {
    const s = Date.now();
    const chunks = [];
    const p = spawn(cmd[0], cmd.slice(1), { env: stageEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout.on('data', (d) => chunks.push(d));
    p.stderr.on('data', (d) => chunks.push(d));
    p.on('error', (e) => chunks.push(Buffer.from(String(e))));
    p.on('close', (status) => resolve({ name, cmd, ok: status === 0, seconds: Math.round((Date.now() - s) / 1000), output: Buffer.concat(chunks).toString() }));
  });
}

const results = [];
const group = stages.filter(([name]) => PARALLEL.has(name));
if (group.length) {
  console.log(`\n=== ${group.map(([n]) => n).join(', ')} (at once)`);
  for (const r of await Promise.all(group.map(runBuffered))) {
    console.log(`\n=== ${r.name}: ${r.cmd.join(' ')} (${r.seconds}s)`);
    process.stdout.write(r.output);
    results.push({ name: r.name, ok: r.ok, seconds: r.seconds });
  }
}
for (const [name, cmd] of stages.filter(([n]) => !PARALLEL.has(n))) {
  if (results.some((r) => !r.ok)) break;
  const s = Date.now();
  console.log(`\n=== ${name}: ${cmd.join(' ')}`);
  const r = spawnSync(cmd[0], cmd.slice(1), { stdio: 'inherit', env: stageEnv });
  results.push({ name, ok: r.status === 0, seconds: Math.round((Date.now() - s) / 1000) });
}
console.log('\n=== summary');
for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds}s)`);
const failed = results.filter((r) => !r.ok).length;
console.log(`total ${Math.round((Date.now() - t0) / 1000)}s`);
console.log(`stages: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed || results.length < stages.length ? 1 : 0);
