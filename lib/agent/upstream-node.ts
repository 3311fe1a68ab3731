import type pg from 'pg';
import { readStateForEpoch } from './epoch-guard.ts';
import { writeFencingState } from './fencing-state.ts';
import { withPg, rethrowAsAgentError } from './pg-client.ts';
import { readRecoveryPositions } from './recovery-positions.ts';
import { ConninfoError, upstreamOf, withUpstream } from './conninfo.ts';
import { AgentError, type TAgentContext } from './types.ts';
import type { TActionResult } from './protocol.ts';

// POST /v1/upstream {epoch, host, port, reason} (WAL salvage, docs/agent-protocol.md): points a
// replica at another upstream — the fenced old primary started as a standby, or a more advanced
// replica — with ALTER SYSTEM SET primary_conninfo (host and port replaced, every other option
// kept) and primary_slot_name = '' (the new upstream has no slot of that name; a missing slot
// stops streaming), then pg_reload_conf(): PostgreSQL 13+ restarts its WAL receiver without a
// restart of the server. Grants: lib/agent/README.md "Database grants".

/** How long the agent waits until its own session sees the reloaded setting (ms). */
export const RELOAD_WAIT_MS = 5_000;

export async function upstreamNode(ctx: TAgentContext, req: { epoch: number; host: string; port: number; reason: string }): Promise<TActionResult> {
  return ctx.exclusive(async () => {
    const state = await readStateForEpoch(ctx, req.epoch, 'refusing to change the upstream');
    if (state.fenced) throw new AgentError('FENCED', 409, `node is fenced (epoch ${state.epoch}${state.reason ? `: ${state.reason}` : ''})`);
    return withPg(ctx.config, async (c) => {
      const info = (
        await c.query(`SELECT pg_is_in_recovery() AS r, current_setting('server_version_num')::int AS v,
                              current_setting('primary_conninfo') AS conninfo, current_setting('primary_slot_name') AS slot`)
      ).rows[0];
      if (!info.r) throw new AgentError('NOT_IN_RECOVERY', 409, 'node is not in recovery (a primary has no upstream)');
      if (info.v < 130000) throw new AgentError('UNSUPPORTED_VERSION', 409, `PostgreSQL ${info.v} cannot change primary_conninfo without a restart (13 or later needed)`);
      const current: string = info.conninfo ?? '';
      if (!current.trim()) throw new AgentError('NO_PRIMARY_CONNINFO', 409, 'the replica has no primary_conninfo to re-point (its user, password and options are not known to the agent)');
      let next: string;
      let now: { host: string | null; port: number | null };
      try {
        next = withUpstream(current, req.host, req.port);
        now = upstreamOf(current);
      } catch (e) {
        if (e instanceof ConninfoError) throw new AgentError('BAD_PRIMARY_CONNINFO', 409, `the replica's primary_conninfo cannot be parsed: ${e.message}`);
        throw e;
      }
      const alreadyDone = now.host === req.host && now.port === req.port && !info.slot;
      // the epoch is recorded first, as promote does: a lower epoch is refused from now on
      await writeFencingState(ctx.config.stateDir, { ...state, epoch: req.epoch });
      if (!alreadyDone) {
        await c.query(`ALTER SYSTEM SET primary_conninfo = ${c.escapeLiteral(next)}`);
        if (info.slot) await c.query(`ALTER SYSTEM SET primary_slot_name = ''`);
        await c.query('SELECT pg_reload_conf()');
        await waitForSetting(c, next);
      }
      const pos = await readRecoveryPositions(c);
      ctx.log.warn({ epoch: req.epoch, reason: req.reason, upstream: `${req.host}:${req.port}`, from: `${now.host}:${now.port}`, alreadyDone, ...pos }, 'upstream: primary_conninfo re-pointed');
      return {
        ok: true,
        epoch: req.epoch,
        alreadyDone,
        detail: alreadyDone ? `already streaming from ${req.host}:${req.port}` : `primary_conninfo now points at ${req.host}:${req.port} (was ${now.host ?? '?'}:${now.port ?? '?'})${info.slot ? `; primary_slot_name ${info.slot} cleared` : ''}; configuration reloaded`,
        ...pos,
      };
    }).catch(rethrowAsAgentError);
  });
}

/** Waits until a fresh look at pg_settings shows the reloaded value (the reload is asynchronous). */
async function waitForSetting(c: pg.Client, value: string) {
  const until = Date.now() + RELOAD_WAIT_MS;
  while (Date.now() < until) {
    const r = await c.query(`SELECT setting FROM pg_settings WHERE name = 'primary_conninfo'`);
    if (r.rows[0]?.setting === value) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new AgentError('UPSTREAM_FAILED', 500, `primary_conninfo was written with ALTER SYSTEM, but the reload did not apply it within ${RELOAD_WAIT_MS / 1000} s`);
}
