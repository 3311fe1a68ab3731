// Pure mapping from what the poller stored (NodeObservation columns + the agent's full answer) to the
// verdict engine's member observation. Anything missing stays null: the engine fails closed on null.
import { ZAgentStatus } from '@/lib/agent/protocol';
import type { TMemberObservation, TNodeRole, TNodeStatus } from '@/lib/safety/engine';

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
  payload?: unknown;
};

const asStatus = (s: string): TNodeStatus => (s === 'ok' || s === 'down' ? s : 'unknown');
const asRole = (r: string | null | undefined): TNodeRole => (r === 'primary' || r === 'replica' ? r : 'unknown');

/** NodeObservation (or a NodeLastGood snapshot) -> TMemberObservation. */
export function toMemberObservation(o: TStoredObservation): TMemberObservation {
  const parsed = ZAgentStatus.safeParse(o.payload);
  const p = parsed.success ? parsed.data : null;
  const pg = p?.postgres ?? null;
  const role = asRole(o.role);
  return {
    observedAt: o.observedAt,
    lastOkAt: o.lastOkAt ?? (o.status === 'ok' ? o.observedAt : null),
    status: asStatus(o.status),
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
    walReceiver: pg?.walReceiver
      ? {
          status: pg.walReceiver.status,
          // sender host:port is PostgreSQL's address, which Vakt does not map to members: unknown = the primary (fail closed)
          senderNode: null,
          receivedTimeline: pg.walReceiver.receivedTimeline,
          flushedLsn: pg.walReceiver.flushedLsn,
          lastMsgReceiptTime: pg.walReceiver.lastMsgReceiptTime,
        }
      : null,
    fencing: p?.fencing
      ? { epoch: p.fencing.epoch, fenced: p.fencing.fenced }
      : o.fenceEpoch !== undefined && o.fenceEpoch !== null
        ? { epoch: o.fenceEpoch, fenced: Boolean(o.fenced) }
        : o.fenced
          ? { epoch: 0, fenced: true }
          : null,
    synchronousStandbyNames: pg?.settings?.synchronousStandbyNames ?? null,
    synchronousCommit: pg?.settings?.synchronousCommit ?? null,
  };
}

/** Start of the current outage from the node's status samples: the first non-ok sample after the last ok. */
export function downSinceFromSamples(samples: Array<{ at: Date; ok: boolean }>, fallback: Date | null): Date | null {
  const sorted = [...samples].sort((a, b) => a.at.getTime() - b.at.getTime());
  let since: Date | null = null;
  for (const s of sorted) {
    if (s.ok) since = null;
    else if (since === null) since = s.at;
  }
  return since ?? fallback;
}

/** Times the node went from ok to not-ok (flapping guard). */
export function downTransitions(samples: Array<{ at: Date; ok: boolean }>): Date[] {
  const sorted = [...samples].sort((a, b) => a.at.getTime() - b.at.getTime());
  const out: Date[] = [];
  for (let i = 1; i < sorted.length; i++) if (sorted[i - 1].ok && !sorted[i].ok) out.push(sorted[i].at);
  return out;
}
