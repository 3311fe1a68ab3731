import fs from 'node:fs/promises';
import path from 'node:path';
import { readStateForEpoch } from './epoch-guard.ts';
import { fenceDataDir, writeFileAtomicLike } from './fence-data-dir.ts';
import { requireFencedAt } from './follow-node.ts';
import { pgCtlStart, pgCtlStatus, pgCtlStop } from './pg-ctl.ts';
import { ConninfoError, withUpstream } from './conninfo.ts';
import { runCommand } from './run-command.ts';
import { readPostmasterRunning } from './stopped-state.ts';
import { isCleanShutdown } from './wal-end.ts';
import { AgentError, type TAgentContext } from './types.ts';
import { REWIND_TIMEOUT_S, type TActionResult } from './protocol.ts';

// POST /v1/rewind {epoch, host, port, reason} (rejoin after a failover, docs/agent-protocol.md): rewinds
// the data directory of a node fenced at exactly this epoch, PostgreSQL stopped, onto the timeline of the
// new primary at host:port with `pg_rewind --target-pgdata=<data> --source-server=<VAKT_AGENT_REWIND_CONNINFO
// host=… port=…>`. The node stays fenced and stopped: Vakt starts it as a replica afterwards (POST /v1/follow).
//  - refused unless fenced at exactly `epoch` (NOT_FENCED / EPOCH_MISMATCH / STALE_EPOCH) and stopped with no
//    postmaster left (RUNNING);
//  - REWIND_NOT_POSSIBLE (409) when the target has neither wal_log_hints nor data checksums: a fresh base
//    backup is needed;
//  - a data directory that did not shut down cleanly (a crashed old primary) is first started read-only as a
//    fenced standby (standby.signal, streaming from nobody) and stopped again, so that it replays its own WAL
//    and shuts down "in recovery" (pg_rewind's own single-user recovery refuses a standby.signal);
//  - pg_rewind copies the source's configuration files: the target's own postgresql.conf, pg_hba.conf,
//    pg_ident.conf and postgresql.auto.conf are put back afterwards, then the fence is written again
//    (standby.signal, primary_conninfo = ''), also when pg_rewind failed;
//  - a CHECKPOINT on the source first, with the same connection (a just-promoted primary's pg_control names its
//    new timeline only after one; SOURCE_CHECKPOINT_FAILED 409 when it fails: the user needs pg_checkpoint);
//  - REWIND_FAILED (500) with pg_rewind's output when it fails: a fresh base backup is needed.

/** The node's own configuration files, kept when pg_rewind or pg_basebackup bring the source's. */
export const KEPT_CONFIG = ['postgresql.conf', 'pg_hba.conf', 'pg_ident.conf', 'postgresql.auto.conf'];
export const tail = (s: string, n = 1500) => (s.length > n ? `…${s.slice(-n)}` : s).trim();

/** `wal_log_hints setting` / `Data page checksum version` from pg_controldata's text: whether pg_rewind can work. */
export function rewindPossible(controlData: string): { possible: boolean; why: string } {
  const field = (label: string) => controlData.split('\n').find((l) => l.startsWith(`${label}:`))?.slice(label.length + 1).trim() ?? null;
  const hints = field('wal_log_hints setting');
  const checksums = field('Data page checksum version');
  if (hints === 'on') return { possible: true, why: 'wal_log_hints = on' };
  if (checksums !== null && checksums !== '0') return { possible: true, why: `data checksums (version ${checksums})` };
  return { possible: false, why: `wal_log_hints is ${hints ?? 'unknown'} and data checksums are ${checksums === '0' ? 'off' : 'unknown'}` };
}

export async function rewindNode(ctx: TAgentContext, req: { epoch: number; host: string; port: number; reason: string }): Promise<TActionResult> {
  return ctx.exclusive(async () => {
    const cfg = ctx.config;
    const state = await readStateForEpoch(ctx, req.epoch, 'refusing to rewind');
    requireFencedAt(state, req.epoch, 'rewound');
    if (!cfg.rewindConninfo) throw new AgentError('NO_REWIND_CONNINFO', 409, 'VAKT_AGENT_REWIND_CONNINFO is not set: the agent does not know how pg_rewind connects to the new primary');
    let source: string;
    try {
      source = withUpstream(cfg.rewindConninfo, req.host, req.port);
    } catch (e) {
      if (e instanceof ConninfoError) throw new AgentError('BAD_PRIMARY_CONNINFO', 409, `VAKT_AGENT_REWIND_CONNINFO cannot be parsed: ${e.message}`);
      throw e;
    }
    const fail = (e: unknown) => {
      throw new AgentError('REWIND_FAILED', 500, (e as Error).message);
    };
    if ((await pgCtlStatus(cfg).catch(fail)) === 'running') throw new AgentError('RUNNING', 409, 'PostgreSQL is running: only a stopped, fenced node is rewound');
    const pm = await readPostmasterRunning(cfg.dataDir);
    if (pm.running !== false) throw new AgentError('RUNNING', 409, `a postmaster may still run (${pm.why}): only a stopped node is rewound`);

    const controlData = async () => {
      const r = await runCommand({ file: path.join(cfg.pgBin, 'pg_controldata'), args: ['-D', cfg.dataDir], runAs: cfg.runAs, timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(`pg_controldata exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
      return r.stdout;
    };
    const cd = await controlData().catch(fail);
    const can = rewindPossible(cd);
    if (!can.possible) throw new AgentError('REWIND_NOT_POSSIBLE', 409, `pg_rewind cannot work on this data directory (${can.why}): a fresh base backup is needed`);
    const steps: string[] = [];
    const clusterState = cd.split('\n').find((l) => l.startsWith('Database cluster state:'))?.split(':')[1]?.trim() ?? 'unknown';
    if (!isCleanShutdown(clusterState)) {
      // fenced on disk (standby.signal, primary_conninfo = ''): it comes up read-only, replays its own WAL, streams from nobody
      try {
        await fenceDataDir(cfg.dataDir, req.epoch);
        await pgCtlStart(cfg, { seconds: cfg.startTimeoutSeconds, serverOptions: '-c hot_standby=on' });
        const { mode } = await pgCtlStop(cfg, { fastSeconds: cfg.stopTimeoutSeconds, immediateSeconds: cfg.immediateStopTimeoutSeconds });
        if (mode !== 'fast') throw new Error('the read-only start for recovery did not stop cleanly');
      } catch (e) {
        throw new AgentError('REWIND_FAILED', 500, `the data directory was not shut down cleanly (${clusterState}) and recovering it read-only failed: ${(e as Error).message}`);
      }
      steps.push(`not shut down cleanly (${clusterState}): replayed its own WAL read-only and stopped`);
    }

    const st = await fs.stat(cfg.dataDir);
    const kept = new Map<string, string>();
    for (const f of KEPT_CONFIG) {
      const body = await fs.readFile(path.join(cfg.dataDir, f), 'utf8').catch(() => null);
      if (body !== null) kept.set(f, body);
    }
    // a just-promoted source's pg_control still names the old timeline until its first checkpoint (pg_rewind
    // would answer "no rewind required"): CHECKPOINT on the source first (pg_checkpoint role, PostgreSQL 15)
    const ck = await runCommand({ file: path.join(cfg.pgBin, 'psql'), args: ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', /^postgres(ql)?:\/\//.test(source) ? source : `${source} connect_timeout=10`, '-c', 'CHECKPOINT'], runAs: cfg.runAs, timeoutMs: 120_000 });
    if (ck.code !== 0) throw new AgentError('SOURCE_CHECKPOINT_FAILED', 409, `CHECKPOINT on the new primary ${req.host}:${req.port} failed (the rewind user needs the pg_checkpoint role): ${tail(`${ck.stdout}\n${ck.stderr}`, 300)}`);
    steps.push(`CHECKPOINT on ${req.host}:${req.port}`);
    const t0 = Date.now();
    const r = await runCommand({ file: path.join(cfg.pgBin, 'pg_rewind'), args: [`--target-pgdata=${cfg.dataDir}`, `--source-server=${source}`], runAs: cfg.runAs, timeoutMs: REWIND_TIMEOUT_S * 1000 });
    // the target's own configuration back, and the fence on disk again, whatever pg_rewind did
    try {
      for (const [f, body] of kept) await writeFileAtomicLike(path.join(cfg.dataDir, f), body, { uid: st.uid, gid: st.gid });
      await fenceDataDir(cfg.dataDir, req.epoch);
    } catch (e) {
      ctx.log.error({ epoch: req.epoch, err: (e as Error).message }, 'rewind: restoring the configuration or the fence failed');
      throw new AgentError('REWIND_FAILED', 500, `pg_rewind exited ${r.code}, then restoring the node's configuration and fence failed: ${(e as Error).message}`);
    }
    const output = tail(`${r.stdout}\n${r.stderr}`);
    if (r.code !== 0) {
      ctx.log.error({ epoch: req.epoch, code: r.code, output }, 'rewind: pg_rewind failed');
      throw new AgentError('REWIND_FAILED', 500, `pg_rewind exited ${r.code}${r.timedOut ? ` (timed out after ${REWIND_TIMEOUT_S} s)` : ''}: ${output}; a fresh base backup is needed`);
    }
    ctx.log.warn({ epoch: req.epoch, reason: req.reason, source: `${req.host}:${req.port}`, ms: Date.now() - t0 }, 'rewind: done (still fenced and stopped)');
    steps.push(`pg_rewind from ${req.host}:${req.port} in ${((Date.now() - t0) / 1000).toFixed(1)} s (${can.why}): ${output || 'no output'}`, 'configuration kept, still fenced and stopped');
    return { ok: true, epoch: req.epoch, alreadyDone: false, detail: steps.join('; ') };
  });
}
