import { readFencingState, writeFencingState, StateCorruptError, type TFencingState } from './fencing-state.ts';
import { fenceDataDir } from './fence-data-dir.ts';
import { refuseStaleEpoch } from './epoch-guard.ts';
import { pgCtlStatus, pgCtlStop } from './pg-ctl.ts';
import { AgentError, type TAgentContext } from './types.ts';
import type { TActionResult } from './protocol.ts';

/**
 * POST /v1/fence. Order matters: the fenced state is persisted FIRST (a crash half-way leaves the
 * node fenced), then standby.signal + no primary_conninfo, then the server is stopped.
 */
export async function fenceNode(ctx: TAgentContext, req: { epoch: number; reason: string }): Promise<TActionResult> {
  return ctx.exclusive(async () => {
    let state: TFencingState;
    try {
      state = await readFencingState(ctx.config.stateDir);
    } catch (e) {
      if (!(e instanceof StateCorruptError)) throw e;
      // Fencing is the safe direction: overwrite unreadable state with a fenced one.
      ctx.log.warn({ err: e.message }, 'fence: state file unreadable, overwriting with fenced state');
      state = { epoch: 0, fenced: false, since: null, reason: null, promotion: null };
    }
    refuseStaleEpoch(req.epoch, state);
    const wasFenced = state.fenced;
    const next: TFencingState = {
      ...state,
      epoch: req.epoch,
      fenced: true,
      since: wasFenced && state.since ? state.since : new Date().toISOString(),
      reason: req.reason,
    };
    await writeFencingState(ctx.config.stateDir, next);
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
        const { mode } = await pgCtlStop(ctx.config);
        stopped = `server stopped (-m ${mode})`;
        changed.push(stopped);
      } else {
        stopped = 'server was already stopped';
      }
    } catch (e) {
      throw new AgentError('FENCE_FAILED', 500, `fenced state persisted and standby.signal written, but stopping PostgreSQL failed: ${(e as Error).message}`);
    }
    ctx.log.warn({ epoch: req.epoch, changed }, 'fence: done');
    return {
      ok: true,
      epoch: req.epoch,
      alreadyDone: wasFenced && changed.length === 0,
      detail: changed.length ? changed.join('; ') : `already fenced; ${stopped}`,
    };
  });
}
