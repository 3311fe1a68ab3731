import path from 'node:path';
import fs from 'node:fs/promises';
import { readStateForEpoch } from './epoch-guard.ts';
import { NEUTRAL_MARK, readAutoConfLines, writeFileAtomicLike } from './fence-data-dir.ts';
import { pgCtlStart, pgCtlStatus, pgCtlStop } from './pg-ctl.ts';
import { withPg, rethrowAsAgentError } from './pg-client.ts';
import { ConninfoError, withUpstream } from './conninfo.ts';
import { CONNECT_RETRY_MS, standbyPositions } from './standby-node.ts';
import type { TFencingState } from './fencing-state.ts';
import { AgentError, type TAgentContext } from './types.ts';
import type { TActionResult } from './protocol.ts';

// POST /v1/follow {epoch, host, port, reason} (planned switchover and rejoin, docs/agent-protocol.md):
// starts a node fenced at exactly this epoch as a replica of host:port. standby.signal stays, the fence's
// "stream from nobody" lines are replaced by a primary_conninfo built from VAKT_AGENT_REPLICATION_CONNINFO
// (host, port and application_name = this node), recovery_target_timeline = 'latest' (it follows the new
// primary's timeline). The agent's fenced flag stays set: Vakt unfences (POST /v1/unfence) only once it
// saw the node streaming from the new primary. A running node is stopped first (-m fast).

const FOLLOW_MARK = '# vakt-agent follow:';

/** The fenced state at exactly `epoch`, or a 409 saying why the act is refused (follow and resume share it). */
export function requireFencedAt(state: TFencingState, epoch: number, what: string): void {
  if (!state.fenced) throw new AgentError('NOT_FENCED', 409, `node is not fenced: only a node fenced at epoch ${epoch} is ${what}`);
  if (state.epoch !== epoch) throw new AgentError('EPOCH_MISMATCH', 409, `node is fenced at epoch ${state.epoch}, not ${epoch}`);
}

/** VAKT_AGENT_REPLICATION_CONNINFO with host, port and application_name = this node (follow, basebackup); 409 when unset or unparsable. */
export function replicationConninfoTo(cfg: Pick<TAgentContext['config'], 'replicationConninfo' | 'node'>, to: { host: string; port: number }): string {
  const base = cfg.replicationConninfo;
  if (!base) throw new AgentError('NO_REPLICATION_CONNINFO', 409, 'VAKT_AGENT_REPLICATION_CONNINFO is not set: the agent does not know how this node connects for replication');
  try {
    return withUpstream(`${base} application_name=${cfg.node}`, to.host, to.port);
  } catch (e) {
    if (e instanceof ConninfoError) throw new AgentError('BAD_PRIMARY_CONNINFO', 409, `VAKT_AGENT_REPLICATION_CONNINFO cannot be parsed: ${e.message}`);
    throw e;
  }
}

export async function followNode(ctx: TAgentContext, req: { epoch: number; host: string; port: number; reason: string }): Promise<TActionResult> {
  return ctx.exclusive(async () => {
    const state = await readStateForEpoch(ctx, req.epoch, 'refusing to follow another node');
    requireFencedAt(state, req.epoch, 'started as a replica of another node');
    const conninfo = replicationConninfoTo(ctx.config, req);
    const changed: string[] = [];
    try {
      if ((await pgCtlStatus(ctx.config)) === 'running') {
        const { mode } = await pgCtlStop(ctx.config, { fastSeconds: ctx.config.stopTimeoutSeconds, immediateSeconds: ctx.config.immediateStopTimeoutSeconds });
        changed.push(`running server stopped (-m ${mode})`);
      }
      changed.push(...(await followDataDir(ctx.config.dataDir, req.epoch, conninfo, `${req.host}:${req.port}`)));
      await pgCtlStart(ctx.config, { seconds: ctx.config.startTimeoutSeconds, serverOptions: '-c hot_standby=on' });
    } catch (e) {
      ctx.log.error({ epoch: req.epoch, err: (e as Error).message }, 'follow: failed');
      throw new AgentError('FOLLOW_FAILED', 500, `starting as a replica of ${req.host}:${req.port} failed: ${(e as Error).message}`);
    }
    const pos = await standbyPositions(ctx, CONNECT_RETRY_MS).catch(rethrowAsAgentError);
    ctx.log.warn({ epoch: req.epoch, reason: req.reason, upstream: `${req.host}:${req.port}`, ...pos }, 'follow: started as a replica (still fenced until unfenced)');
    return { ok: true, epoch: req.epoch, alreadyDone: false, detail: [...changed, `started as a replica of ${req.host}:${req.port} (still fenced until Vakt unfences it)`].join('; '), ...pos };
  });
}

/** standby.signal, and postgresql.auto.conf without the fence's lines, pointing at the new upstream. */
async function followDataDir(dataDir: string, epoch: number, conninfo: string, upstream: string): Promise<string[]> {
  const st = await fs.stat(dataDir);
  const owner = { uid: st.uid, gid: st.gid };
  const signal = path.join(dataDir, 'standby.signal');
  if (!(await fs.access(signal).then(() => true, () => false))) await writeFileAtomicLike(signal, '', owner);
  const auto = path.join(dataDir, 'postgresql.auto.conf');
  const kept = (await readAutoConfLines(auto)).filter(
    (l) => !/^\s*(primary_conninfo|primary_slot_name|recovery_target_timeline)\s*=/.test(l) && !l.startsWith(NEUTRAL_MARK) && !l.startsWith(FOLLOW_MARK),
  );
  while (kept.length && kept[kept.length - 1] === '') kept.pop();
  const quoted = conninfo.replace(/'/g, "''");
  await writeFileAtomicLike(auto, [...kept, `${FOLLOW_MARK} epoch ${epoch}; streaming from ${upstream}`, `primary_conninfo = '${quoted}'`, `primary_slot_name = ''`, `recovery_target_timeline = 'latest'`, ''].join('\n'), owner);
  const dir = await fs.open(dataDir, 'r');
  await dir.sync().finally(() => dir.close());
  return [`primary_conninfo points at ${upstream}`];
}
