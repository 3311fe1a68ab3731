// Small builders so each scenario row reads as "who is where, how far behind, what is declared".
import type {
  TClusterHistory,
  TContextPolicy,
  TMemberInput,
  TMemberObservation,
  TReplicationEntry,
  TSafetyInput,
} from '../../lib/safety/engine/types';
import { bytesToLsn, type TClusterKind } from '../../lib/pg';

export const NOW = Date.parse('2026-03-20T12:00:00Z');
export const ago = (seconds: number) => NOW - seconds * 1000;
export const SYS = '7345000000000000001';
export const MiB = 1024 * 1024;

/** LSN text form of a byte position, e.g. lsn(16 * MiB) = "0/1000000". */
export const lsn = (bytes: number): string => bytesToLsn(bytes);

export function observation(p: Partial<TMemberObservation> = {}): TMemberObservation {
  const observedAt = p.observedAt ?? ago(2);
  return {
    observedAt,
    lastOkAt: (p.status ?? 'ok') === 'ok' ? observedAt : null,
    status: 'ok',
    role: 'replica',
    timeline: 1,
    systemIdentifier: SYS,
    currentLsn: null,
    receiveLsn: null,
    replayLsn: null,
    lastReplayAt: null,
    replication: [],
    walReceiver: null,
    fencing: { epoch: 1, fenced: false },
    synchronousStandbyNames: null,
    synchronousCommit: 'on',
    // The agent reported the role/database settings of synchronous_commit: none.
    synchronousCommitOverrides: [],
    clockSkewMs: 0,
    ...p,
  };
}

export function rep(name: string, syncState: string, flushBytes: number, lagSeconds: number | null = 0): TReplicationEntry {
  return {
    applicationName: name,
    state: 'streaming',
    syncState,
    sentLsn: lsn(flushBytes),
    flushLsn: lsn(flushBytes),
    replayLsn: lsn(flushBytes),
    flushLagSeconds: lagSeconds,
    replayLagSeconds: lagSeconds,
    replayLagBytes: 0,
  };
}

/** synchronous_standby_names listing `names` (quoted, as PostgreSQL needs for names with '-'); '' = none. */
export const standbyNames = (names: string[], method: 'FIRST' | 'ANY' = 'FIRST', num = 1): string =>
  names.length === 0 ? '' : `${method} ${num} (${names.map((n) => `"${n}"`).join(', ')})`;

/** A primary that answers right now (synchronous_standby_names: FIRST 1 over its non-async standbys, unless given). */
export function primaryUp(name: string, site: string, atBytes: number, replication: TReplicationEntry[], p: Partial<TMemberObservation> = {}): TMemberInput {
  const o = observation({ role: 'primary', currentLsn: lsn(atBytes), replication, synchronousStandbyNames: standbyNames(replication.filter((r) => r.syncState !== 'async').map((r) => r.applicationName)), ...p });
  return { name, site, observation: o, lastGood: o };
}

/**
 * A primary Vakt lost `lastSeenOkAgo` seconds ago. `now`: 'down' = its agent answers but PostgreSQL
 * does not (fenceable by execution); 'unknown' = the agent does not answer either.
 */
export function primaryLost(
  name: string,
  site: string,
  atBytes: number,
  replication: TReplicationEntry[],
  opts: { lastSeenOkAgo?: number; now?: 'down' | 'unknown'; fenced?: boolean; last?: Partial<TMemberObservation> } = {},
): TMemberInput {
  const lastGood = primaryUp(name, site, atBytes, replication, { observedAt: ago(opts.lastSeenOkAgo ?? 35), ...opts.last }).observation!;
  const latest = observation({
    observedAt: ago(2),
    lastOkAt: lastGood.observedAt,
    status: opts.now ?? 'down',
    role: 'unknown',
    error: opts.now === 'unknown' ? 'connect ECONNREFUSED' : 'PostgreSQL not accepting connections',
    timeline: null,
    systemIdentifier: null,
    fencing: opts.now === 'unknown' ? null : { epoch: 1, fenced: opts.fenced ?? false },
  });
  return { name, site, observation: latest, lastGood };
}

export function replica(
  name: string,
  site: string,
  atBytes: number,
  p: Partial<TMemberObservation> & { streaming?: boolean } = {},
): TMemberInput {
  const { streaming, ...rest } = p;
  const o = observation({
    receiveLsn: lsn(atBytes),
    replayLsn: lsn(atBytes),
    lastReplayAt: ago(36),
    walReceiver: streaming ? { status: 'streaming', lastMsgReceiptTime: ago(1), flushedLsn: lsn(atBytes) } : { status: 'waiting', lastMsgReceiptTime: ago(34) },
    ...rest,
  });
  return { name, site, observation: o, lastGood: o.status === 'ok' ? o : null };
}

export function ctx(p: Partial<TContextPolicy> = {}): TContextPolicy {
  return {
    slug: 'inventory',
    rpoClass: 'RPO-2',
    rpoBoundSeconds: 60,
    rtoClass: 'RTO-2',
    rtoBoundSeconds: 900,
    crossSite: 'optional',
    failover: 'automatic',
    replication: { local: 'sync', crossSite: 'async' },
    acceptedCrossSiteDataLossSeconds: 60,
    approvalsRequired: 1,
    runbook: 'Fence oslo-1, then promote the best replica.',
    ...p,
  };
}

export function history(primary: TMemberInput | null, p: Partial<TClusterHistory> = {}): TClusterHistory {
  const lg = primary?.lastGood;
  return {
    expectedPrimary: primary
      ? { node: primary.name, timeline: lg?.timeline ?? 1, lastLsn: lg?.currentLsn ?? null, lastSeenOkAt: lg?.observedAt ?? null }
      : null,
    primaryDownSince: primary && primary.observation?.status !== 'ok' ? ago(33) : null,
    primaryDownEvents: primary && primary.observation?.status !== 'ok' ? [ago(33)] : [],
    previousPromotion: null,
    ...p,
  };
}

export function scenario(opts: {
  members: TMemberInput[];
  primary?: TMemberInput | null;
  contexts?: TContextPolicy[];
  history?: Partial<TClusterHistory>;
  kind?: TClusterKind;
  epoch?: number;
}): TSafetyInput {
  const primary = opts.primary === undefined ? opts.members[0] : opts.primary;
  return {
    cluster: { name: 'control-main', kind: opts.kind ?? 'vakt-agent', epoch: opts.epoch ?? 1 },
    now: NOW,
    config: { staleAfterSeconds: 15, primaryDownForSeconds: 30 },
    members: opts.members,
    history: history(primary, opts.history),
    contexts: opts.contexts ?? [ctx()],
  };
}
