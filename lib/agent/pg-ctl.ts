import path from 'node:path';
import { runCommand } from './run-command.ts';
import type { TAgentConfig } from './config.ts';

type TPgCtlConfig = Pick<TAgentConfig, 'pgBin' | 'dataDir' | 'runAs'>;

/** The longest one `pg_ctl status` may run (seconds). */
export const PG_CTL_STATUS_TIMEOUT_S = 15;
/** What a `pg_ctl stop -t T` may take beyond its T before it is killed (seconds). */
export const PG_CTL_STOP_SLACK_S = 10;

/** 'running' | 'stopped' per `pg_ctl status` (exit 0 / 3); anything else is an error. */
export async function pgCtlStatus(cfg: TPgCtlConfig): Promise<'running' | 'stopped'> {
  const r = await runCommand({ file: path.join(cfg.pgBin, 'pg_ctl'), args: ['status', '-D', cfg.dataDir], runAs: cfg.runAs, timeoutMs: PG_CTL_STATUS_TIMEOUT_S * 1000 });
  if (r.code === 0) return 'running';
  if (r.code === 3) return 'stopped';
  throw new Error(`pg_ctl status exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
}

/**
 * Stops the server (`-m fast`, waiting up to `fastSeconds`); falls back to `-m immediate` (waiting up
 * to `immediateSeconds`) if fast does not finish in time. Resolves only when `pg_ctl status` says
 * stopped; otherwise throws, saying which waits ran out.
 */
export async function pgCtlStop(cfg: TPgCtlConfig, opts: { fastSeconds: number; immediateSeconds: number }): Promise<{ mode: 'fast' | 'immediate' }> {
  const pgCtl = path.join(cfg.pgBin, 'pg_ctl');
  const stop = (mode: string, t: number) =>
    runCommand({ file: pgCtl, args: ['stop', '-D', cfg.dataDir, '-m', mode, '-w', '-t', String(t)], runAs: cfg.runAs, timeoutMs: (t + PG_CTL_STOP_SLACK_S) * 1000 });
  const fast = await stop('fast', opts.fastSeconds);
  if ((await pgCtlStatus(cfg)) === 'stopped') return { mode: 'fast' };
  const imm = await stop('immediate', opts.immediateSeconds);
  if ((await pgCtlStatus(cfg)) === 'stopped') return { mode: 'immediate' };
  const out = (imm.stderr || imm.stdout || fast.stderr || fast.stdout).trim().slice(0, 300);
  throw new Error(`PostgreSQL still running after pg_ctl stop -m fast -t ${opts.fastSeconds} and -m immediate -t ${opts.immediateSeconds}${out ? `: ${out}` : ''}`);
}

/** The longest a fence's pg_ctl calls can take: status, fast stop, status, immediate stop, status (seconds). */
export function pgCtlFenceSeconds(cfg: Pick<TAgentConfig, 'stopTimeoutSeconds' | 'immediateStopTimeoutSeconds'>): number {
  return 3 * PG_CTL_STATUS_TIMEOUT_S + cfg.stopTimeoutSeconds + cfg.immediateStopTimeoutSeconds + 2 * PG_CTL_STOP_SLACK_S;
}

/** The log file `pg_ctl start` gives the server (in the data directory: the one place the server's OS user can surely write). */
export const STANDBY_START_LOG = 'vakt-agent-start.log';

/**
 * `pg_ctl start -w` with extra server options (`-o`), waiting up to `seconds` until the server
 * accepts connections (read-only ones for a standby). Throws with pg_ctl's words when it fails.
 */
export async function pgCtlStart(cfg: TPgCtlConfig & Pick<TAgentConfig, 'pgConfigDir'>, opts: { seconds: number; serverOptions: string }): Promise<void> {
  const r = await runCommand({
    file: path.join(cfg.pgBin, 'pg_ctl'),
    args: ['start', '-D', cfg.pgConfigDir, '-l', path.join(cfg.dataDir, STANDBY_START_LOG), '-w', '-t', String(opts.seconds), '-o', opts.serverOptions],
    runAs: cfg.runAs,
    timeoutMs: (opts.seconds + PG_CTL_STOP_SLACK_S) * 1000,
  });
  if (r.code !== 0) throw new Error(`pg_ctl start exited ${r.code}${r.timedOut ? ' (timed out)' : ''}: ${(r.stderr || r.stdout).trim().slice(-300)}`);
}
