import { readStateForEpoch } from './epoch-guard.ts';
import { fenceDataDir } from './fence-data-dir.ts';
import { pgCtlStart, pgCtlStatus } from './pg-ctl.ts';
import { withPg, rethrowAsAgentError } from './pg-client.ts';
import { readRecoveryPositions } from './recovery-positions.ts';
import { AgentError, type TAgentContext } from './types.ts';
import type { TActionResult } from './protocol.ts';

// POST /v1/standby {epoch, reason} (WAL salvage, docs/agent-protocol.md): starts the fenced node
// read-only so that a promotion candidate can stream the WAL only this node has. The node stays
// fenced: standby.signal, no upstream of its own (primary_conninfo and primary_slot_name empty in
// postgresql.auto.conf: it replays its own pg_wal to the end and waits), hot_standby on so that
// cascading walsenders serve it; promote stays refused (FENCED).

/** How long the agent retries connecting after `pg_ctl start -w` said ready (ms). */
export const CONNECT_RETRY_MS = 5_000;

export async function standbyNode(ctx: TAgentContext, req: { epoch: number; reason: string }): Promise<TActionResult> {
  return ctx.exclusive(async () => {
    const state = await readStateForEpoch(ctx, req.epoch, 'refusing to start as a standby');
    if (!state.fenced) throw new AgentError('NOT_FENCED', 409, 'node is not fenced: only a fenced node is started as a salvage standby');
    if (state.epoch !== req.epoch) throw new AgentError('EPOCH_MISMATCH', 409, `node is fenced at epoch ${state.epoch}, not ${req.epoch}`);

    const running = (await pgCtlStatus(ctx.config).catch((e: Error) => {
      throw new AgentError('STANDBY_FAILED', 500, e.message);
    })) === 'running';
    if (running) {
      const pos = await standbyPositions(ctx, 0);
      ctx.log.info({ epoch: req.epoch, ...pos }, 'standby: already running read-only');
      return { ok: true, epoch: req.epoch, alreadyDone: true, detail: 'already running read-only as a fenced standby', ...pos };
    }
    // the fence's on-disk half again (the same epoch): standby.signal, streaming from nobody
    let changed: string[];
    try {
      changed = await fenceDataDir(ctx.config.dataDir, req.epoch);
    } catch (e) {
      throw new AgentError('STANDBY_FAILED', 500, `the data directory could not be checked for its fence: ${(e as Error).message}`);
    }
    try {
      await pgCtlStart(ctx.config, { seconds: ctx.config.startTimeoutSeconds, serverOptions: '-c hot_standby=on' });
    } catch (e) {
      ctx.log.error({ epoch: req.epoch, err: (e as Error).message }, 'standby: PostgreSQL did not start');
      throw new AgentError('STANDBY_FAILED', 500, `PostgreSQL did not start as a standby: ${(e as Error).message}`);
    }
    const pos = await standbyPositions(ctx, CONNECT_RETRY_MS);
    ctx.log.warn({ epoch: req.epoch, reason: req.reason, changed, ...pos }, 'standby: started read-only (fenced, no upstream)');
    return { ok: true, epoch: req.epoch, alreadyDone: false, detail: [...changed, 'started read-only (hot_standby, no upstream)'].join('; '), ...pos };
  });
}

/** Positions of the running server, which must be in recovery (a fenced node answering as a primary is refused). */
export async function standbyPositions(ctx: TAgentContext, retryMs: number): Promise<{ replayLsn: string | null; receiveLsn: string | null }> {
  const until = Date.now() + retryMs;
  for (;;) {
    try {
      return await withPg(ctx.config, async (c) => {
        if (!(await c.query('SELECT pg_is_in_recovery() AS r')).rows[0].r) {
          throw new AgentError('NOT_IN_RECOVERY', 409, 'fenced, but PostgreSQL answers as a primary: the fence did not complete (fence again)');
        }
        return readRecoveryPositions(c);
      });
    } catch (e) {
      if (e instanceof AgentError || Date.now() >= until) rethrowAsAgentError(e);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
