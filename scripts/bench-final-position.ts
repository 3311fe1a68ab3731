// `npm run bench:final-position`: how long the agent takes to prove a crashed primary's final WAL
// position (lib/agent/stopped-state.ts) over a large pg_wal, against the floor measured in the same
// run: one bare `pg_waldump --quiet` over the same WAL (the tool the proof is built on). One throwaway
// PostgreSQL (system binaries, scripts/pglocal) writes BENCH_WAL_MIB of WAL (default 1024) after a
// checkpoint, is killed with SIGKILL, then both are timed (best of 3). Also checks the proven
// position against the writer's pg_current_wal_lsn() after its last commit. Stops by itself.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { findPgBinaries } from './pglocal/binaries.ts';
import { IS_ROOT, PG_OS_USER, runAsPg } from './pglocal/run-as.ts';
import { getFreePort } from './pglocal/ports.ts';
import { pgQuery } from './pglocal/query.ts';
import { waitFor } from './pglocal/wait-for.ts';
import { proveFinalPosition, readPostmasterRunning } from '../lib/agent/stopped-state.ts';
import { runCommand } from '../lib/agent/run-command.ts';
import { lsnDiff } from '../lib/pg/lsn.ts';

const WAL_MIB = Number(process.env.BENCH_WAL_MIB ?? 1024);
const bin = findPgBinaries();
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'vakt-bench-final-'));
const dataDir = path.join(base, 'data');
const hardStop = setTimeout(() => {
  console.error('bench: time limit reached');
  cleanup();
  process.exit(2);
}, 8 * 60_000);

function cleanup() {
  runAsPg(bin, path.join(bin.bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'immediate']).catch(() => {});
  fs.rmSync(base, { recursive: true, force: true });
}

async function best(n: number, fn: () => Promise<unknown>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t0);
  }
  return Math.round(min);
}

try {
  fs.chmodSync(base, 0o755);
  if (IS_ROOT) {
    const id = (flag: string) => Number(execFileSync('id', [flag, PG_OS_USER], { encoding: 'utf8' }).trim());
    fs.chownSync(base, id('-u'), id('-g'));
  }
  await runAsPg(bin, path.join(bin.bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync'], { cwd: base });
  const port = await getFreePort();
  fs.appendFileSync(path.join(dataDir, 'postgresql.conf'), `\nport = ${port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${base}'\nfsync = off\nmax_wal_size = '${WAL_MIB * 4}MB'\ncheckpoint_timeout = '1h'\n`);
  await runAsPg(bin, path.join(bin.bin, 'pg_ctl'), ['start', '-D', dataDir, '-l', path.join(base, 'log'), '-w']);
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  await pgQuery(url, 'CHECKPOINT');
  await pgQuery(url, 'CREATE TABLE t(pad text)');
  const [{ start }] = await pgQuery<{ start: string }>(url, 'SELECT pg_current_wal_lsn()::text AS start');
  let writerLsn = start;
  while (lsnDiff(writerLsn, start) < WAL_MIB * 2 ** 20) {
    await pgQuery(url, `INSERT INTO t SELECT repeat(md5(g::text), 30) FROM generate_series(1, 50000) g`);
    writerLsn = (await pgQuery<{ lsn: string }>(url, 'SELECT pg_current_wal_lsn()::text AS lsn'))[0].lsn;
  }
  const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.kill(pid, 'SIGKILL');
  await waitFor(async () => (await readPostmasterRunning(dataDir)).running === false, 30_000, 'the killed server gone');

  const cfg = { dataDir, pgBin: bin.bin, runAs: PG_OS_USER };
  const final = await proveFinalPosition(cfg);
  const checkpoint = /pg_waldump from (\S+),/.exec(final.proof)?.[1] ?? start;
  const floorMs = await best(3, () => runCommand({ file: path.join(bin.bin, 'pg_waldump'), args: ['--quiet', '-p', path.join(dataDir, 'pg_wal'), '-s', checkpoint], runAs: PG_OS_USER, timeoutMs: 120_000 }));
  const proofMs = await best(3, () => proveFinalPosition(cfg));
  const walMiB = Math.round(lsnDiff(final.lsn, checkpoint) / 2 ** 20);
  console.log(JSON.stringify({ walMiBFromCheckpoint: walMiB, floorPgWaldumpMs: floorMs, proofMs, overheadMs: proofMs - floorMs, proofLimitMs: 30_000, finalLsn: final.lsn, writerLsn, finalMinusWriterBytes: lsnDiff(final.lsn, writerLsn) }));
  if (lsnDiff(final.lsn, writerLsn) < 0 || lsnDiff(final.lsn, writerLsn) > 8192) throw new Error('proven position not within 8 KiB after the writer’s last position');
} finally {
  clearTimeout(hardStop);
  cleanup();
}
