import path from 'node:path';
import { runCommand } from './run-command.ts';
import type { TAgentConfig } from './config.ts';

type TPgCtlConfig = Pick<TAgentConfig, 'pgBin' | 'dataDir' | 'runAs'>;

/** 'running' | 'stopped' per `pg_ctl status` (exit 0 / 3); anything else is an error. */
export async function pgCtlStatus(cfg: TPgCtlConfig): Promise<'running' | 'stopped'> {
  const r = await runCommand({ file: path.join(cfg.pgBin, 'pg_ctl'), args: ['status', '-D', cfg.dataDir], runAs: cfg.runAs, timeoutMs: 15_000 });
  if (r.code === 0) return 'running';
  if (r.code === 3) return 'stopped';
  throw new Error(`pg_ctl status exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
}

/** Stops the server (`-m fast`, waiting); falls back to `-m immediate` if fast does not finish in time. */
export async function pgCtlStop(cfg: TPgCtlConfig, opts: { timeoutSeconds?: number } = {}): Promise<{ mode: 'fast' | 'immediate' }> {
  const t = opts.timeoutSeconds ?? 60;
  const pgCtl = path.join(cfg.pgBin, 'pg_ctl');
  const fast = await runCommand({ file: pgCtl, args: ['stop', '-D', cfg.dataDir, '-m', 'fast', '-w', '-t', String(t)], runAs: cfg.runAs, timeoutMs: (t + 10) * 1000 });
  if ((await pgCtlStatus(cfg)) === 'stopped') return { mode: 'fast' };
  const imm = await runCommand({ file: pgCtl, args: ['stop', '-D', cfg.dataDir, '-m', 'immediate', '-w', '-t', '30'], runAs: cfg.runAs, timeoutMs: 40_000 });
  if ((await pgCtlStatus(cfg)) === 'stopped') return { mode: 'immediate' };
  throw new Error(`pg_ctl stop failed: ${(fast.stderr || imm.stderr || fast.stdout).trim().slice(0, 300)}`);
}
