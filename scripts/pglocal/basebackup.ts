import fs from 'node:fs';
import path from 'node:path';
import type { TPgBinaries } from './binaries.ts';
import { runAsPg, type TRunResult } from './run-as.ts';

/**
 * A replica's data directory from a local primary on 127.0.0.1 with pg_basebackup: `-R` (standby.signal
 * and primary_conninfo), a new physical slot `slot`, WAL streamed, no fsync. Needs `bin.hasBasebackup`.
 */
export function basebackupReplica(bin: TPgBinaries, opts: { primaryPort: number; dataDir: string; slot: string; cwd: string; fastCheckpoint?: boolean }): Promise<TRunResult> {
  const args = ['-h', '127.0.0.1', '-p', String(opts.primaryPort), '-U', 'postgres', '-D', opts.dataDir, '-R', '-X', 'stream', '-C', '-S', opts.slot];
  return runAsPg(bin, path.join(bin.bin, 'pg_basebackup'), [...args, ...(opts.fastCheckpoint ? ['--checkpoint=fast'] : []), '--no-sync'], { cwd: opts.cwd });
}

/** Without pg_basebackup (embedded binaries): a copy of the cleanly stopped primary's data directory, without its postmaster files. */
export async function copyStoppedPrimary(bin: TPgBinaries, primaryDataDir: string, dataDir: string): Promise<void> {
  await runAsPg(bin, '/bin/cp', ['-a', primaryDataDir, dataDir]);
  fs.rmSync(path.join(dataDir, 'postmaster.pid'), { force: true });
  fs.rmSync(path.join(dataDir, 'postmaster.opts'), { force: true });
}
