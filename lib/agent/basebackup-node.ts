import path from 'node:path';
import fs from 'node:fs/promises';
import { replicationConninfoTo, requireFencedAt } from './follow-node.ts';
import { fenceDataDir, writeFileAtomicLike } from './fence-data-dir.ts';
import { readStateForEpoch } from './epoch-guard.ts';
import { pgCtlStatus } from './pg-ctl.ts';
import { withPg, rethrowAsAgentError } from './pg-client.ts';
import { runCommand } from './run-command.ts';
import { readPostmasterRunning } from './stopped-state.ts';
import { KEPT_CONFIG, tail } from './rewind-node.ts';
import { AgentError, type TAgentContext } from './types.ts';
import { BASEBACKUP_TIMEOUT_S, type TActionResult } from './protocol.ts';

// POST /v1/basebackup {epoch, host, port, reason} (rejoin when pg_rewind cannot work, docs/agent-protocol.md):
// replaces the data directory of a node fenced at exactly this epoch, PostgreSQL stopped, with a fresh
// `pg_basebackup -X stream -c fast` from the new primary at host:port (VAKT_AGENT_REPLICATION_CONNINFO,
// host=… port=…). The old data directory is moved aside (renamed to `<data>.vakt-aside-e<epoch>-<time>`),
// never deleted here: POST /v1/discard-aside removes it once the new one streams. The node's own
// postgresql.conf, pg_hba.conf, pg_ident.conf and postgresql.auto.conf are put back into the new directory and
// it is fenced on disk (standby.signal, primary_conninfo = ''): it stays fenced and stopped, Vakt starts it as
// a replica afterwards (POST /v1/follow).
//  - refused unless fenced at exactly `epoch` (NOT_FENCED / EPOCH_MISMATCH / STALE_EPOCH) and stopped with no
//    postmaster left (RUNNING);
//  - BASEBACKUP_FAILED (500) with pg_basebackup's output when it fails: the partial copy is removed and the
//    old data directory is moved back, still fenced.

const ASIDE = '.vakt-aside-';

export async function basebackupNode(ctx: TAgentContext, req: { epoch: number; host: string; port: number; reason: string }): Promise<TActionResult> {
  return ctx.exclusive(async () => {
    const cfg = ctx.config;
    const state = await readStateForEpoch(ctx, req.epoch, 'refusing to replace the data directory');
    requireFencedAt(state, req.epoch, 'rebuilt from a base backup');
    const source = replicationConninfoTo(cfg, req);
    const fail = (e: unknown): never => {
      throw new AgentError('BASEBACKUP_FAILED', 500, (e as Error).message);
    };
    if ((await pgCtlStatus(cfg).catch(fail)) === 'running') throw new AgentError('RUNNING', 409, 'PostgreSQL is running: only a stopped, fenced node is rebuilt');
    const pm = await readPostmasterRunning(cfg.dataDir);
    if (pm.running !== false) throw new AgentError('RUNNING', 409, `a postmaster may still run (${pm.why}): only a stopped node is rebuilt`);

    const data = cfg.dataDir.replace(/\/+$/, '');
    const st = await fs.stat(data).catch(fail);
    const kept = new Map<string, string>();
    for (const f of KEPT_CONFIG) {
      const body = await fs.readFile(path.join(data, f), 'utf8').catch(() => null);
      if (body !== null) kept.set(f, body);
    }
    const aside = `${data}${ASIDE}e${req.epoch}-${new Date().toISOString().replace(/[-:.]/g, '')}`;
    await fs.rename(data, aside).catch(fail);
    const restoreOld = async (why: string) => {
      await fs.rm(data, { recursive: true, force: true });
      await fs.rename(aside, data);
      ctx.log.error({ epoch: req.epoch, why }, 'basebackup: failed; the old data directory is back (still fenced)');
    };
    try {
      await fs.mkdir(data, { mode: 0o700 });
      await fs.chown(data, st.uid, st.gid).catch(() => {}); // only root can; otherwise we already are the owner
    } catch (e) {
      await restoreOld((e as Error).message).catch(() => {});
      fail(e);
    }
    const t0 = Date.now();
    const r = await runCommand({
      file: path.join(cfg.pgBin, 'pg_basebackup'),
      args: ['-D', data, '-d', source, '-X', 'stream', '-c', 'fast', '--no-password'],
      runAs: cfg.runAs,
      timeoutMs: BASEBACKUP_TIMEOUT_S * 1000,
    });
    const output = tail(`${r.stdout}\n${r.stderr}`);
    if (r.code !== 0) {
      await restoreOld(output).catch((e) => ctx.log.error({ err: (e as Error).message, aside }, 'basebackup: moving the old data directory back failed'));
      throw new AgentError('BASEBACKUP_FAILED', 500, `pg_basebackup exited ${r.code}${r.timedOut ? ` (timed out after ${BASEBACKUP_TIMEOUT_S} s)` : ''}: ${output}; the old data directory is back in place, still fenced`);
    }
    try {
      for (const [f, body] of kept) await writeFileAtomicLike(path.join(data, f), body, { uid: st.uid, gid: st.gid });
      await fs.rm(path.join(data, 'standby.signal'), { force: true }); // written again by the fence, owned right
      await fenceDataDir(data, req.epoch);
    } catch (e) {
      throw new AgentError('BASEBACKUP_FAILED', 500, `pg_basebackup done, then putting back the node's configuration and fence failed: ${(e as Error).message}; the old data directory is at ${aside}`);
    }
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    ctx.log.warn({ epoch: req.epoch, reason: req.reason, source: `${req.host}:${req.port}`, aside, seconds }, 'basebackup: done (still fenced and stopped)');
    return {
      ok: true,
      epoch: req.epoch,
      alreadyDone: false,
      detail: `old data directory moved aside to ${aside}; pg_basebackup -X stream -c fast from ${req.host}:${req.port} in ${seconds} s${output ? `: ${output}` : ''}; configuration kept, still fenced and stopped`,
    };
  });
}

// POST /v1/discard-aside {epoch, reason}: deletes the data directories /v1/basebackup moved aside, only while
// the node is fenced at exactly `epoch` and PostgreSQL streams from an upstream (the new data directory works).
export async function discardAsideNode(ctx: TAgentContext, req: { epoch: number; reason: string }): Promise<TActionResult> {
  return ctx.exclusive(async () => {
    const cfg = ctx.config;
    const state = await readStateForEpoch(ctx, req.epoch, 'refusing to delete the old data directory');
    requireFencedAt(state, req.epoch, 'cleaned up');
    const wr = await withPg(cfg, async (c) => (await c.query<{ status: string | null }>('SELECT (SELECT status FROM pg_stat_wal_receiver) AS status')).rows[0]?.status ?? null).catch(rethrowAsAgentError);
    if (wr !== 'streaming') throw new AgentError('NOT_STREAMING', 409, `the new data directory does not stream (WAL receiver ${wr ?? 'none'}): the old one is kept`);
    const data = cfg.dataDir.replace(/\/+$/, '');
    const parent = path.dirname(data);
    const prefix = `${path.basename(data)}${ASIDE}`;
    const gone = (await fs.readdir(parent)).filter((n) => n.startsWith(prefix));
    for (const n of gone) await fs.rm(path.join(parent, n), { recursive: true, force: true });
    ctx.log.warn({ epoch: req.epoch, reason: req.reason, removed: gone }, 'discard-aside: old data directories removed');
    return { ok: true, epoch: req.epoch, alreadyDone: gone.length === 0, detail: gone.length ? `removed ${gone.map((n) => path.join(parent, n)).join(', ')} (the new data directory streams)` : 'nothing was set aside' };
  });
}
