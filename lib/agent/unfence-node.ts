import { writeFencingState } from './fencing-state.ts';
import { readStateForEpoch } from './epoch-guard.ts';
import type { TAgentContext } from './types.ts';
import type { TActionResult } from './protocol.ts';

/**
 * POST /v1/unfence {epoch, reason}: clears the agent's fenced flag only (e.g. after the old primary
 * was rewound and rejoined as a replica, so it may be a promotion candidate again). It does not
 * touch the data directory and does not start PostgreSQL.
 */
export async function unfenceNode(ctx: TAgentContext, req: { epoch: number; reason: string }): Promise<TActionResult> {
  return ctx.exclusive(async () => {
    const state = await readStateForEpoch(ctx, req.epoch, 'refusing to unfence');
    const alreadyDone = !state.fenced;
    await writeFencingState(ctx.config.stateDir, { ...state, epoch: req.epoch, fenced: false, since: null, reason: req.reason });
    ctx.log.warn({ epoch: req.epoch, reason: req.reason }, 'unfence: fenced flag cleared');
    return { ok: true, epoch: req.epoch, alreadyDone };
  });
}
