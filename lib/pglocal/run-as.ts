import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import type { TPgBinaries } from './binaries.ts';

// Running PostgreSQL tools as the OS user that owns the local clusters: postgres when we are root
// (through runuser), else the current user.

export const IS_ROOT = process.getuid?.() === 0;
export const PG_OS_USER = IS_ROOT ? 'postgres' : os.userInfo().username;

export type TRunResult = { stdout: string; stderr: string };
/** Runs a PostgreSQL tool as the OS user that owns the clusters (runuser when we are root). */
export function runAsPg(bin: TPgBinaries, file: string, args: string[], opts: { timeoutMs?: number; cwd?: string } = {}): Promise<TRunResult> {
  const envPairs = Object.entries(bin.env).map(([k, v]) => `${k}=${v}`);
  const [cmd, cmdArgs] = IS_ROOT
    ? ['runuser', ['-u', PG_OS_USER, '--', 'env', ...envPairs, file, ...args]]
    : ['env', [...envPairs, file, ...args]];
  return new Promise((resolve, reject) => {
    execFile(cmd, cmdArgs, { timeout: opts.timeoutMs ?? 120_000, cwd: opts.cwd ?? '/', encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${String(stderr || stdout || err.message).trim().slice(-2000)}`));
      else resolve({ stdout, stderr });
    });
  });
}
