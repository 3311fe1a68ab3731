import fs from 'node:fs/promises';
import path from 'node:path';
import { readStateForEpoch } from './epoch-guard.ts';
import { NEUTRAL_MARK, readAutoConfLines, readDataDirFence, writeFileAtomicLike } from './fence-data-dir.ts';
import { writeFencingState } from './fencing-state.ts';
import { requireFencedAt } from './follow-node.ts';
import { pgCtlStart, pgCtlStatus } from './pg-ctl.ts';
import { withPg, rethrowAsAgentError } from './pg-client.ts';
import { CONNECT_RETRY_MS } from './standby-node.ts';
import { AgentError, type TAgentContext } from './types.ts';
import type { TActionResult } from './protocol.ts';

// POST /v1/resume {epoch, reason} (switchover rollback, docs/agent-protocol.md): the node a fence with
// exactly this epoch stopped is started again as a writable primary. Only while the data directory still
// carries that fence's marker at this epoch (nobody pointed it anywhere since) and PostgreSQL is stopped.
// The state is written first (unfenced, same epoch): a crash before standby.signal is removed leaves it
// read-only, the safe side; repeating the call finishes it. Vakt calls it only when the switchover never
// asked the candidate to promote (the decision is recorded before either act).

export async function resumeNode(ctx: TAgentContext, req: { epoch: number; reason: string }): Promise<TActionResult> {
  return ctx.exclusive(async () => {
    const state = await readStateForEpoch(ctx, req.epoch, 'refusing to start as a primary');
    const running = (await pgCtlStatus(ctx.config).catch((e: Error) => {
      throw new AgentError('RESUME_FAILED', 500, e.message);
    })) === 'running';
    if (!state.fenced && state.epoch === req.epoch && running) {
      const primary = await withPg(ctx.config, async (c) => !(await c.query('SELECT pg_is_in_recovery() AS r')).rows[0].r).catch(rethrowAsAgentError);
      if (primary) return { ok: true, epoch: req.epoch, alreadyDone: true, detail: 'already running as a primary at this epoch' };
    }
    const marker = await readDataDirFence(ctx.config.dataDir).catch((e: Error) => {
      throw new AgentError('RESUME_FAILED', 500, `the data directory could not be read: ${e.message}`);
    });
    // an unfenced state at this epoch with the marker still on disk: a resume that stopped half-way
    if (state.fenced || state.epoch !== req.epoch || !marker) requireFencedAt(state, req.epoch, 'started again as a primary');
    if (!marker || marker.epoch !== req.epoch) throw new AgentError('EPOCH_MISMATCH', 409, `the data directory does not carry the fence of epoch ${req.epoch} (${marker ? `it carries epoch ${marker.epoch}` : 'no fence marker'}): it was changed since`);
    if (running) throw new AgentError('RUNNING', 409, 'PostgreSQL is running (read-only): a fenced node started by someone else is not resumed');
    await writeFencingState(ctx.config.stateDir, { ...state, epoch: req.epoch, fenced: false, since: null, reason: req.reason });
    try {
      const st = await fs.stat(ctx.config.dataDir);
      const auto = path.join(ctx.config.dataDir, 'postgresql.auto.conf');
      const kept = (await readAutoConfLines(auto)).filter((l) => !/^\s*(primary_conninfo|primary_slot_name)\s*=\s*''\s*$/.test(l) && !l.startsWith(NEUTRAL_MARK));
      await writeFileAtomicLike(auto, kept.join('\n'), { uid: st.uid, gid: st.gid });
      await fs.rm(path.join(ctx.config.dataDir, 'standby.signal'), { force: true });
      await pgCtlStart(ctx.config, { seconds: ctx.config.startTimeoutSeconds, serverOptions: '-c hot_standby=on' });
    } catch (e) {
      ctx.log.error({ epoch: req.epoch, err: (e as Error).message }, 'resume: failed');
      throw new AgentError('RESUME_FAILED', 500, `starting again as a primary failed: ${(e as Error).message}`);
    }
    const lsn = await writableLsn(ctx);
    ctx.log.warn({ epoch: req.epoch, reason: req.reason, lsn }, 'resume: running as a primary again');
    return { ok: true, epoch: req.epoch, alreadyDone: false, detail: `standby.signal removed; started as a primary again at ${lsn}` };
  });
}

/** pg_current_wal_lsn() once the server answers as a primary (retries while it starts). */
async function writableLsn(ctx: TAgentContext): Promise<string> {
  const until = Date.now() + CONNECT_RETRY_MS;
  for (;;) {
    try {
      return await withPg(ctx.config, async (c) => {
        const r = (await c.query('SELECT pg_is_in_recovery() AS r, pg_current_wal_lsn()::text AS lsn')).rows[0];
        if (r.r) throw new Error('still in recovery');
        return r.lsn as string;
      });
    } catch (e) {
      if (Date.now() >= until) rethrowAsAgentError(e);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
