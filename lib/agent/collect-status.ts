import { AGENT_PROTOCOL, ZAgentStatus, type TAgentStatus } from './protocol.ts';
import { readPostgresStatus } from './read-postgres-status.ts';
import { readBackupCatalog } from './read-backup-catalog.ts';
import { readStorage } from './read-storage.ts';
import { StateCorruptError } from './fencing-state.ts';
import { readAgentState } from './read-agent-state.ts';
import { actionTimeouts } from './action-timeouts.ts';
import type { TAgentContext } from './types.ts';

export async function collectStatus(ctx: TAgentContext): Promise<TAgentStatus> {
  const [{ postgres, sizes }, backups, fencing]: [Awaited<ReturnType<typeof readPostgresStatus>>, TAgentStatus['backups'], TAgentStatus['fencing']] = await Promise.all([
    readPostgresStatus(ctx),
    readBackupCatalog(ctx),
    readAgentState(ctx).then(
      ({ state: s, inconsistency }) => ({ epoch: s.epoch, fenced: s.fenced, since: s.since, reason: s.reason, ...(inconsistency ? { inconsistency } : {}) }),
      // fail closed: a state file we cannot read means we cannot say the node is unfenced
      (e) => ({ epoch: 0, fenced: true, since: null, reason: e instanceof StateCorruptError ? e.message : 'state unreadable' }),
    ),
  ]);
  const storage = await readStorage(ctx.config.dataDir, sizes);
  if (fencing.fenced && postgres.role === 'primary' && !fencing.inconsistency) {
    // e.g. a fence whose stop timed out (FENCE_FAILED): the record says fenced, the server still writes
    fencing.inconsistency = 'fenced, but PostgreSQL answers as a primary: the fence did not complete (fence again)';
  }
  return ZAgentStatus.parse({
    protocol: AGENT_PROTOCOL,
    agent: { name: 'vakt-agent', version: ctx.version, startedAt: ctx.startedAt },
    collectedAt: new Date().toISOString(),
    node: {
      name: ctx.config.node,
      site: ctx.config.site,
      dataDirectory: ctx.config.dataDir,
      pgBin: ctx.config.pgBin,
      ...(ctx.config.replicationAddress ? { replicationAddress: ctx.config.replicationAddress } : {}),
      canFollow: ctx.config.replicationConninfo !== null,
    },
    postgres,
    storage,
    backups,
    fencing,
    timeouts: actionTimeouts(ctx.config),
  });
}
