import type { TReplicationPeer } from '@/lib/agent/protocol';
import { lsnDiff } from '@/lib/pg';
import type { TObservation } from './observation';

export type TPrimaryView = { name: string; lsn: string | null; replication: TReplicationPeer[] | null };

/**
 * Lag of a replica behind the cluster's primary (pure). Preference: what the adapter already knows
 * (Patroni), then the primary's pg_stat_replication row for this node (one consistent instant),
 * then primary LSN − replica replay LSN from the latest observations.
 */
export function withReplicaLag(obs: TObservation, nodeName: string, primary: TPrimaryView | null): TObservation {
  if (obs.status !== 'ok' || obs.role !== 'replica') return obs;
  const peer = primary?.replication?.find((r) => r.applicationName === nodeName) ?? null;
  let lagBytes = obs.lagBytes ?? peer?.replayLagBytes ?? null;
  if (lagBytes === null && primary?.lsn && obs.replayLsn) lagBytes = Math.max(0, lsnDiff(primary.lsn, obs.replayLsn));
  let lagSeconds = obs.lagSeconds ?? peer?.replayLagSeconds ?? null;
  // pg_stat_replication leaves *_lag NULL while the standby is fully caught up and idle
  if (lagSeconds === null && peer && lagBytes === 0) lagSeconds = 0;
  return { ...obs, lagBytes, lagSeconds, syncState: obs.syncState ?? peer?.syncState ?? null };
}
