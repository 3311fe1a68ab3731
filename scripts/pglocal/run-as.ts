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

/**
 * When we are root, PostgreSQL runs as `postgres`, which must be able to reach the data folder and
 * the binaries inside the project (e.g. a checkout under a 0700 temp folder). Adds the search bit
 * (o+x: enter, not list or read) to each directory on the way that lacks it; returns what changed.
 */
export function grantPgTraversal(target: string, fsImpl: Pick<typeof import('node:fs'), 'existsSync' | 'statSync' | 'chmodSync'>, asRoot = IS_ROOT): string[] {
  if (!asRoot) return [];
  const chain: string[] = [];
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    chain.unshift(dir);
    if (path.dirname(dir) === dir) break;
  }
  const changed: string[] = [];
  for (const dir of chain) {
    if (!fsImpl.existsSync(dir)) break;
    const mode = fsImpl.statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      fsImpl.chmodSync(dir, (mode & 0o7777) | 0o001);
      changed.push(dir);
    }
  }
  return changed;
}
