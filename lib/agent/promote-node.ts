import { writeFencingState } from './fencing-state.ts';
import { readStateForEpoch } from './epoch-guard.ts';
import { withPg, rethrowAsAgentError } from './pg-client.ts';
import { timelineFromWalFile } from './read-postgres-status.ts';
import { AgentError, type TAgentContext } from './types.ts';
import type { TActionResult } from './protocol.ts';

/** POST /v1/promote: pg_promote(wait => true) on a replica, guarded by epoch and fencing state. */
export async function promoteNode(ctx: TAgentContext, req: { epoch: number }): Promise<TActionResult> {
  return ctx.exclusive(async () => {
    const state = await readStateForEpoch(ctx, req.epoch, 'refusing to promote');
    if (state.fenced) {
      throw new AgentError('FENCED', 409, `node is fenced (epoch ${state.epoch}${state.reason ? `: ${state.reason}` : ''})`);
    }
    const waitSeconds = ctx.config.promoteWaitSeconds;
    return withPg(
      ctx.config,
      async (c) => {
        const inRecovery: boolean = (await c.query('SELECT pg_is_in_recovery() AS r')).rows[0].r;
        if (!inRecovery) {
          if (state.promotion?.epoch === req.epoch) {
            // The fork point is only known when this agent saw the promotion finish (null = unknown).
            return { ok: true, epoch: req.epoch, alreadyDone: true, timeline: await currentTimeline(c), forkLsn: state.promotion.forkLsn ?? null, detail: 'already promoted with this epoch' };
          }
          throw new AgentError('NOT_IN_RECOVERY', 409, 'node is not in recovery (already a primary)');
        }
        const requestedAt = new Date().toISOString();
        await writeFencingState(ctx.config.stateDir, { ...state, epoch: req.epoch, promotion: { epoch: req.epoch, requestedAt } });
        ctx.log.warn({ epoch: req.epoch }, 'promote: pg_promote requested');
        // only pg_promote gets the long timeout; the other queries keep VAKT_AGENT_PG_TIMEOUT_MS (action-timeouts.ts)
        const promoteTimeoutMs = (waitSeconds + 10) * 1000;
        await c.query(`SET statement_timeout = ${promoteTimeoutMs}`);
        const promoteQuery = { text: 'SELECT pg_promote(wait => true, wait_seconds => $1) AS done', values: [waitSeconds], query_timeout: promoteTimeoutMs + 1_000 } as import('pg').QueryConfig;
        const done: boolean = (await c.query(promoteQuery)).rows[0].done;
        await c.query(`SET statement_timeout = ${ctx.config.pgTimeoutMs}`);
        if (!done) throw new AgentError('PROMOTE_FAILED', 500, `pg_promote did not finish within ${waitSeconds}s`);
        const timeline = await currentTimeline(c);
        const forkLsn = await lastReplayedLsn(c);
        await writeFencingState(ctx.config.stateDir, {
          ...state,
          epoch: req.epoch,
          promotion: { epoch: req.epoch, requestedAt, completedAt: new Date().toISOString(), timeline, forkLsn },
        });
        ctx.log.warn({ epoch: req.epoch, timeline, forkLsn }, 'promote: done');
        return { ok: true, epoch: req.epoch, alreadyDone: false, timeline, forkLsn };
      },
    ).catch(rethrowAsAgentError);
  });
}

async function currentTimeline(c: import('pg').Client): Promise<number> {
  const r = await c.query('SELECT pg_walfile_name(pg_current_wal_lsn()) AS f');
  return timelineFromWalFile(r.rows[0].f);
}

/**
 * The fork point of the new timeline: after recovery ends, pg_last_wal_replay_lsn() stays at the end
 * of the last record replayed, which is the switch point PostgreSQL writes into the new timeline's
 * .history file (readable without superuser or pg_read_server_files; it resets on the next restart,
 * so it is read right after pg_promote and persisted).
 */
async function lastReplayedLsn(c: import('pg').Client): Promise<string | null> {
  const r = await c.query('SELECT pg_last_wal_replay_lsn()::text AS lsn');
  return r.rows[0].lsn ?? null;
}
