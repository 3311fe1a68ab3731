// Pure mapping from what the poller stored (NodeObservation columns + the agent's full answer) to the
// verdict engine's member observation. Anything missing stays null: the engine fails closed on null.
// An 'unknown' observation carries no facts of an earlier answer as current: the stored payload is
// the last answer the agent gave (kept for display), so role, timeline, positions, replication,
// settings and fencing of an unknown member are null (docs/safety.md "Clocks and stale facts").
// (The history rules, e.g. when an outage began, are in history.ts.)
import { ZAgentStatus, type TAgentStatus } from '@/lib/agent/protocol';
import type { TNodeRole, TNodeStatus } from '@/lib/pg';
import type { TFenceAgentFacts, TMemberObservation, TWalReceiverInfo } from '@/lib/safety/engine';
import { patroniFacts } from '@/lib/telemetry/adapter-patroni';

export type TStoredObservation = {
  observedAt: Date;
  status: string;
  error?: string | null;
  role: string;
  timeline: number | null;
  systemIdentifier: string | null;
  lsn: string | null;
  receiveLsn?: string | null;
  replayLsn?: string | null;
  fenced?: boolean;
  fenceEpoch?: number | null;
  lastOkAt?: Date | null;
  clockSkewMs?: number | null;
  payload?: unknown;
};

const asStatus = (s: string): TNodeStatus => (s === 'ok' || s === 'down' ? s : 'unknown');
const asRole = (r: string | null | undefined): TNodeRole => (r === 'primary' || r === 'replica' ? r : 'unknown');

type TAgentWalReceiver = NonNullable<TAgentStatus['postgres']['walReceiver']>;

// sender host:port is PostgreSQL's address, which Vakt does not map to members: unknown = the primary (fail closed)
const agentWalReceiver = (w: TAgentWalReceiver): TWalReceiverInfo => ({
  status: w.status,
  senderNode: null,
  receivedTimeline: w.receivedTimeline,
  flushedLsn: w.flushedLsn,
  lastMsgReceiptTime: w.lastMsgReceiptTime,
});

/**
 * The Vakt agent beside a Patroni member, from the stored payload's `fenceAgent` (lib/telemetry
 * adapter-patroni: written on every poll of such a member, so it is this poll's answer). Null = none.
 */
export function fenceAgentFacts(payload: unknown): TFenceAgentFacts | null {
  const fa = (payload as { fenceAgent?: { answered?: unknown; status?: unknown; error?: unknown } } | null | undefined)?.fenceAgent;
  if (!fa || typeof fa !== 'object') return null;
  const none = (error: string): TFenceAgentFacts => ({ answered: false, error, postgresReachable: null, role: 'unknown', fencing: null, walReceiver: null });
  if (fa.answered !== true) return none(typeof fa.error === 'string' ? fa.error : 'the Vakt agent did not answer');
  const st = ZAgentStatus.safeParse(fa.status);
  if (!st.success) return none('the Vakt agent answer does not match the protocol');
  const pg = st.data.postgres;
  return {
    answered: true,
    error: pg.reachable ? null : (pg.error ?? 'PostgreSQL not reachable'),
    postgresReachable: pg.reachable,
    role: pg.reachable ? pg.role : 'unknown',
    fencing: { epoch: st.data.fencing.epoch, fenced: st.data.fencing.fenced },
    walReceiver: pg.reachable && pg.walReceiver ? agentWalReceiver(pg.walReceiver) : null,
  };
}

/** NodeObservation (or a NodeLastGood snapshot) -> TMemberObservation. */
/** `memberName` lets a Patroni answer say which /cluster entry is this member (streaming evidence). */
export function toMemberObservation(o: TStoredObservation, memberName?: string): TMemberObservation {
  const status = asStatus(o.status);
  if (status === 'unknown') return unknownMemberObservation(o);
  const parsed = ZAgentStatus.safeParse(o.payload);
  const p = parsed.success ? parsed.data : null;
  const pg = p?.postgres ?? null;
  const role = asRole(o.role);
  // a Patroni answer: its streaming evidence and facts (lib/telemetry/adapter-patroni)
  const pf = p ? null : patroniFacts(o.payload, memberName ?? '');
  return {
    observedAt: o.observedAt,
    lastOkAt: o.lastOkAt ?? (o.status === 'ok' ? o.observedAt : null),
    status,
    error: o.error ?? pg?.error ?? null,
    role,
    timeline: o.timeline ?? pg?.timeline ?? null,
    systemIdentifier: o.systemIdentifier ?? pg?.systemIdentifier ?? null,
    currentLsn: role === 'primary' ? (o.lsn ?? pg?.currentLsn ?? null) : (pg?.currentLsn ?? null),
    receiveLsn: o.receiveLsn ?? pg?.receiveLsn ?? (role === 'replica' ? o.lsn : null) ?? null,
    replayLsn: o.replayLsn ?? pg?.replayLsn ?? null,
    lastReplayAt: pg?.lastReplayAt ?? null,
    replication: (pg?.replication ?? []).map((r) => ({
      applicationName: r.applicationName,
      state: r.state,
      syncState: r.syncState,
      sentLsn: r.sentLsn,
      flushLsn: r.flushLsn,
      replayLsn: r.replayLsn,
      flushLagSeconds: r.flushLagSeconds,
      replayLagSeconds: r.replayLagSeconds,
      replayLagBytes: r.replayLagBytes,
    })),
    walReceiver: pf ? pf.walReceiver : pg?.walReceiver ? agentWalReceiver(pg.walReceiver) : null,
    fencing: p?.fencing
      ? { epoch: p.fencing.epoch, fenced: p.fencing.fenced }
      : o.fenceEpoch !== undefined && o.fenceEpoch !== null
        ? { epoch: o.fenceEpoch, fenced: Boolean(o.fenced) }
        : o.fenced
          ? { epoch: 0, fenced: true }
          : null,
    synchronousStandbyNames: pg?.settings?.synchronousStandbyNames ?? null,
    // only the server setting counts (older agents reported their own session's: not reported)
    synchronousCommit: pg?.settings?.serverSynchronousCommit ?? null,
    synchronousCommitOverrides: pg?.settings?.synchronousCommitOverrides ?? null,
    clockSkewMs: o.clockSkewMs ?? null,
    // stopped with no postmaster left: where its WAL ends, proven on disk (the engine decides whether to trust it)
    finalPosition: status === 'down' && pg && !pg.reachable && pg.stopped?.postmasterRunning === false ? (pg.stopped.finalPosition ?? null) : null,
    replicationAddress: p?.node.replicationAddress ?? null,
    ...(pf ? { patroni: pf.patroni } : {}),
    ...withFenceAgent(o.payload),
  };
}

const withFenceAgent = (payload: unknown) => {
  const fa = fenceAgentFacts(payload);
  return fa ? { fenceAgent: fa } : {};
};

/** An unknown member: when, why, its identity and last ok time; nothing its earlier answer said is current. */
function unknownMemberObservation(o: TStoredObservation): TMemberObservation {
  return {
    observedAt: o.observedAt,
    lastOkAt: o.lastOkAt ?? null,
    status: 'unknown',
    error: o.error ?? null,
    role: 'unknown',
    timeline: null,
    systemIdentifier: o.systemIdentifier ?? null,
    currentLsn: null,
    receiveLsn: null,
    replayLsn: null,
    lastReplayAt: null,
    replication: [],
    walReceiver: null,
    fencing: null,
    synchronousStandbyNames: null,
    synchronousCommit: null,
    synchronousCommitOverrides: null,
    clockSkewMs: o.clockSkewMs ?? null,
    // the agent beside a Patroni member answered in this same poll: current even when Patroni did not
    ...withFenceAgent(o.payload),
  };
}
