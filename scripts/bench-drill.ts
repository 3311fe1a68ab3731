// `npm run bench:drill`: a restore drill (lib/agent/run-drill.ts: free-space check, pgbackrest restore,
// start, recovery to the end of the archive, checks incl. amcheck, teardown) against the floor
// measured in the same run on the same backup: a bare `pgbackrest restore` + `pg_ctl start -w` (same
// scratch settings, hot_standby off, so pg_ctl returns once recovery ended) + stop. One throwaway
// PostgreSQL (system binaries, scripts/pglocal) with BENCH_DRILL_MIB of table data (default 256) and a
// pgBackRest repository; best of BENCH_ROUNDS (default 2), the order alternating. Prints one JSON line. Stops by itself.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { findPgBinaries } from './pglocal/binaries.ts';
import { IS_ROOT, PG_OS_USER, runAsPg } from './pglocal/run-as.ts';
import { getFreePort } from './pglocal/ports.ts';
import { pgQuery } from './pglocal/query.ts';
import { configurePgBackRest } from './pglocal/pgbackrest.ts';
import { loadAgentConfig } from '../lib/agent/config.ts';
import { createAgentServer } from '../lib/agent/server.ts';
import { runDrill } from '../lib/agent/run-drill.ts';
import { restoreArgs, scratchSettings } from '../lib/agent/drill-plan.ts';
import { runCommand } from '../lib/agent/run-command.ts';

const MIB = Number(process.env.BENCH_DRILL_MIB ?? 256);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const bin = findPgBinaries();
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'vakt-bench-drill-'));
const dataDir = path.join(base, 'data');
const hardStop = setTimeout(() => {
  console.error('bench: time limit reached');
  cleanup();
  process.exit(2);
}, 15 * 60_000);

function cleanup() {
  runAsPg(bin, path.join(bin.bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'immediate']).catch(() => {});
  fs.rmSync(base, { recursive: true, force: true });
}
const id = (flag: string) => Number(execFileSync('id', [flag, PG_OS_USER], { encoding: 'utf8' }).trim());
const chown = (p: string) => IS_ROOT && fs.chownSync(p, id('-u'), id('-g'));
const seconds = (ms: number) => Math.round(ms / 10) / 100;

try {
  fs.chmodSync(base, 0o755);
  chown(base);
  await runAsPg(bin, path.join(bin.bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--data-checksums', '--no-sync'], { cwd: base });
  const port = await getFreePort();
  const pb = configurePgBackRest({ baseDir: base, stanza: 'bench', primary: { dataDir, port, socketDir: base }, bin });
  fs.appendFileSync(path.join(dataDir, 'postgresql.conf'), `\nport = ${port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${base}'\nwal_level = replica\narchive_mode = on\narchive_command = '${pb.archiveCommand}'\nmax_wal_size = '1GB'\n`);
  await runAsPg(bin, path.join(bin.bin, 'pg_ctl'), ['start', '-D', dataDir, '-l', path.join(base, 'log'), '-w']);
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  await pb.stanzaCreate();
  await pgQuery(url, 'CREATE TABLE t (id bigserial PRIMARY KEY, pad text)');
  for (let done = 0; done < MIB; done += 32) await pgQuery(url, `INSERT INTO t (pad) SELECT repeat(md5(g::text), 30) FROM generate_series(1, 32 * 1024 * 1024 / 1000) g`);
  await pb.backup({ type: 'full' });
  await pgQuery(url, `INSERT INTO t (pad) SELECT repeat(md5(g::text), 30) FROM generate_series(1, 20000) g`);
  await pgQuery(url, 'SELECT pg_switch_wal()');
  await new Promise((r) => setTimeout(r, 2000)); // the segment archived
  const info = (await pb.info()) as { backup: { label: string; info: { size: number } }[] }[];
  const backup = info[0].backup.at(-1)!;

  const stateDir = path.join(base, 'agent');
  fs.mkdirSync(stateDir, { mode: 0o700 });
  const config = loadAgentConfig({
    env: {
      VAKT_AGENT_LISTEN: '127.0.0.1:0', VAKT_AGENT_TOKEN: 'bench-token-bench-token', VAKT_AGENT_NODE: 'bench', VAKT_AGENT_SITE: 'bench',
      VAKT_AGENT_PG_URL: url, VAKT_AGENT_DATA_DIR: dataDir, VAKT_AGENT_PG_BIN: bin.bin, VAKT_AGENT_RUN_AS: PG_OS_USER, VAKT_AGENT_STATE_DIR: stateDir,
      VAKT_AGENT_PGBACKREST_STANZA: pb.stanza, VAKT_AGENT_PGBACKREST_CONFIG: pb.configPath, VAKT_AGENT_DRILL_DIR: base,
    },
    argv: [],
  });
  const ctx = createAgentServer(config, { logger: pino({ level: 'silent' }) }).context;

  async function bare(): Promise<{ restoreMs: number; startMs: number }> {
    const dir = path.join(base, 'vakt-drill-bare');
    const pgData = path.join(dir, 'data');
    fs.mkdirSync(pgData, { recursive: true, mode: 0o700 });
    chown(dir);
    chown(pgData);
    const t0 = performance.now();
    const r = await runCommand({ file: config.pgbackrest!.bin, args: restoreArgs(config.pgbackrest!, { pgPath: pgData, label: backup.label }), runAs: PG_OS_USER, timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`bare restore: ${r.stderr || r.stdout}`);
    const t1 = performance.now();
    for (const f of ['pg_hba.conf', 'pg_ident.conf']) {
      fs.writeFileSync(path.join(dir, f), f === 'pg_hba.conf' ? 'local all all trust\n' : '');
      chown(path.join(dir, f));
    }
    fs.appendFileSync(path.join(pgData, 'postgresql.auto.conf'), scratchSettings({ port: await getFreePort(), socketDir: dir, hbaFile: path.join(dir, 'pg_hba.conf'), identFile: path.join(dir, 'pg_ident.conf') }));
    await runAsPg(bin, path.join(bin.bin, 'pg_ctl'), ['start', '-D', pgData, '-l', path.join(dir, 'log'), '-w', '-t', '600'], { timeoutMs: 620_000 });
    const t2 = performance.now();
    await runAsPg(bin, path.join(bin.bin, 'pg_ctl'), ['stop', '-D', pgData, '-m', 'immediate', '-w']);
    fs.rmSync(dir, { recursive: true, force: true });
    return { restoreMs: t1 - t0, startMs: t2 - t1 };
  }
  async function drill(i: number): Promise<{ totalMs: number; restoreSeconds: number; steps: Record<string, number> }> {
    const t0 = performance.now();
    const run = runDrill(ctx, { drillId: `bench-${i}`, backup: backup.label });
    await run.done;
    if (run.state.status !== 'succeeded') throw new Error(`drill ${run.state.status}: ${run.state.error}`);
    if (process.env.BENCH_VERBOSE) for (const st of run.state.steps) console.error(`--- ${st.name} (${st.durationMs} ms)\n${st.output}`);
    return { totalMs: performance.now() - t0, restoreSeconds: run.state.restoreSeconds!, steps: Object.fromEntries(run.state.steps.map((s) => [s.name, s.durationMs ?? 0])) };
  }

  let bestBare: { restoreMs: number; startMs: number } | null = null;
  let bestDrill: Awaited<ReturnType<typeof drill>> | null = null;
  for (let i = 0; i < ROUNDS; i++) {
    // alternate the order, so the page cache and the neighbours' load favour neither side
    for (const side of i % 2 === 0 ? ['bare', 'drill'] : ['drill', 'bare']) {
      if (side === 'bare') {
        const b = await bare();
        if (!bestBare || b.restoreMs + b.startMs < bestBare.restoreMs + bestBare.startMs) bestBare = b;
      } else {
        const d = await drill(i);
        if (!bestDrill || d.totalMs < bestDrill.totalMs) bestDrill = d;
      }
    }
  }
  const bareUsable = seconds(bestBare!.restoreMs + bestBare!.startMs);
  console.log(
    JSON.stringify({
      backupBytes: backup.info.size,
      rounds: ROUNDS,
      bareRestoreSeconds: seconds(bestBare!.restoreMs),
      bareStartSeconds: seconds(bestBare!.startMs),
      bareUsableSeconds: bareUsable,
      drillRestoreSeconds: bestDrill!.restoreSeconds,
      drillOverUsableSeconds: Math.round((bestDrill!.restoreSeconds - bareUsable) * 100) / 100,
      drillTotalSeconds: seconds(bestDrill!.totalMs),
      drillStepsMs: bestDrill!.steps,
    }),
  );
} finally {
  clearTimeout(hardStop);
  cleanup();
}
