import { writeFencingState, type TFencingState } from './fencing-state.ts';
import { fenceDataDir } from './fence-data-dir.ts';
import { refuseStaleEpoch } from './epoch-guard.ts';
import { readAgentState } from './read-agent-state.ts';
import { pgCtlStatus, pgCtlStop } from './pg-ctl.ts';
import { FINAL_POSITION_TIMEOUT_S, readStoppedState } from './stopped-state.ts';
import { AgentError, type TAgentContext } from './types.ts';
import type { TActionResult } from './protocol.ts';

/**
 * POST /v1/fence. Order matters: the fenced state is persisted FIRST (a crash half-way leaves the
 * node fenced), then standby.signal + no primary_conninfo, then the server is stopped. It answers
 * success only when the state is written and `pg_ctl status` says stopped; anything else is a 5xx
 * error (STATE_WRITE_FAILED: nothing was changed; FENCE_FAILED: the state says fenced, the node may
 * still run). Once stopped it answers the node's proven final position (stopped-state.ts; null when
 * it cannot be proven — the fence itself still succeeded).
 */
export async function fenceNode(ctx: TAgentContext, req: { epoch: number; reason: string }): Promise<TActionResult> {
  return ctx.exclusive(async () => {
    let state: TFencingState;
    let fromMarker = false;
    try {
      // a missing state file with the data directory's fence marker: the marker's epoch counts, and
      // this fence's state write resolves the inconsistency
      const s = await readAgentState(ctx);
      state = s.state;
      fromMarker = s.source === 'marker';
    } catch (e) {
      // Fencing is the safe direction: overwrite unreadable state with a fenced one.
      ctx.log.warn({ err: (e as Error).message }, 'fence: state file unreadable, overwriting with fenced state');
      state = { epoch: 0, fenced: false, since: null, reason: null, promotion: null };
    }
    refuseStaleEpoch(req.epoch, state);
    const wasFenced = state.fenced && !fromMarker;
    const next: TFencingState = {
      ...state,
      epoch: req.epoch,
      fenced: true,
      since: state.fenced && state.since ? state.since : new Date().toISOString(),
      reason: req.reason,
    };
    try {
      await writeFencingState(ctx.config.stateDir, next);
    } catch (e) {
      // Nothing else is done: the data directory and the server are left as they were, so the agent
      // never claims a fence it could not record (and the retry starts from the same place).
      const err = e as NodeJS.ErrnoException;
      ctx.log.error({ epoch: req.epoch, err: err.message }, 'fence: state file could not be written; nothing changed');
      throw new AgentError('STATE_WRITE_FAILED', 500, `the fenced state could not be written to ${ctx.config.stateDir} (${err.code ?? err.message}); nothing was changed, PostgreSQL was not stopped`);
    }
    ctx.log.warn({ epoch: req.epoch, reason: req.reason }, 'fence: state persisted (fenced)');

    let changed: string[];
    try {
      changed = await fenceDataDir(ctx.config.dataDir, req.epoch);
    } catch (e) {
      throw new AgentError('FENCE_FAILED', 500, `fenced state persisted, but the data directory could not be prepared: ${(e as Error).message}`);
    }
    let stopped: string;
    try {
      if ((await pgCtlStatus(ctx.config)) === 'running') {
        const { mode } = await pgCtlStop(ctx.config, { fastSeconds: ctx.config.stopTimeoutSeconds, immediateSeconds: ctx.config.immediateStopTimeoutSeconds });
        stopped = `server stopped (-m ${mode})`;
        changed.push(stopped);
      } else {
        stopped = 'server was already stopped';
      }
    } catch (e) {
      ctx.log.error({ epoch: req.epoch, err: (e as Error).message }, 'fence: PostgreSQL could not be stopped');
      throw new AgentError('FENCE_FAILED', 500, `fenced state persisted and standby.signal written, but stopping PostgreSQL failed: ${(e as Error).message}`);
    }
    // the server is stopped: prove where its WAL ends (null, and said in the detail, when it cannot be proven)
    const stoppedState = await readStoppedState(ctx, { waitMs: FINAL_POSITION_TIMEOUT_S * 1000 });
    const finalPosition = stoppedState.finalPosition;
    ctx.log.warn({ epoch: req.epoch, changed, finalPosition, finalPositionError: stoppedState.error }, 'fence: done');
    const detail = changed.length ? changed.join('; ') : `already fenced; ${stopped}`;
    return {
      ok: true,
      epoch: req.epoch,
      alreadyDone: wasFenced && changed.length === 0,
      detail: finalPosition ? `${detail}; ${finalPosition.proof}` : `${detail}; final position not proven: ${stoppedState.error}`,
      finalPosition,
    };
  });
}
