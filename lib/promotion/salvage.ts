// WAL salvage, the executor's step between the fence and the promote (docs/safety.md "WAL salvage"):
// the candidate lacks WAL that still exists, on the fenced old primary's disk or on a more advanced
// replica. The source serves it (the fenced old primary is started read-only as a standby with no
// upstream of its own: it stays fenced and replays its own pg_wal), the candidate is pointed at the
// source (its primary_conninfo's host and port, ALTER SYSTEM + reload), and the executor waits until
// the candidate has received up to the source's position, within VAKT_SALVAGE_TIMEOUT_SECONDS. Both
// agent calls are epoch-checked like fence and promote. Salvage can only make the outcome better: the
// caller promotes with whatever arrived when it is within the approved loss, and stops otherwise.
import { lsnBytes, lsnValue, maxLsn } from '@/lib/pg';
import type { TSalvagePlan } from '@/lib/safety/engine';
import type { TLoadedCluster, TLoadedMember } from '@/lib/safety/load-safety-input';
import { callFailure, memberStatus, setUpstream, startStandby } from './drivers/vakt-agent';

export type TSalvageOutcome =
  /** the candidate received everything up to the target */
  | { outcome: 'done'; detail: string; candidateLsn: string }
  /** the time ran out (or a call failed after something was set up): the candidate holds `candidateLsn` */
  | { outcome: 'partial' | 'failed'; detail: string; candidateLsn: string | null };

export async function salvageWal(o: {
  promotionId: string;
  cluster: TLoadedCluster;
  candidate: TLoadedMember;
  plan: TSalvagePlan;
  /** where the source serves replication connections */
  address: { host: string; port: number };
  epoch: number;
  timeoutMs: number;
  /** between two looks: renews the execution's lease and pauses */
  wait: () => Promise<void>;
}): Promise<TSalvageOutcome> {
  const t0 = Date.now();
  const source = o.cluster.members.find((m) => m.name === o.plan.source);
  if (!source || !o.plan.targetLsn) return { outcome: 'failed', detail: `the salvage source ${o.plan.source ?? '(none)'} is not a member`, candidateLsn: null };
  const reason = `vakt promotion ${o.promotionId}: WAL salvage for ${o.candidate.name} from ${source.name} at epoch ${o.epoch}`;
  if (o.plan.sourceKind === 'old-primary') {
    const r = await startStandby(source, o.epoch, reason);
    if (!r.ok) return { outcome: 'failed', detail: `starting ${source.name} read-only as a standby failed ${callFailure(r)}`, candidateLsn: null };
  }
  const up = await setUpstream(o.candidate, o.epoch, o.address, reason);
  if (!up.ok) return { outcome: 'failed', detail: `pointing ${o.candidate.name} at ${source.name} (${o.address.host}:${o.address.port}) failed ${callFailure(up)}`, candidateLsn: null };
  const target = lsnValue(o.plan.targetLsn)!;
  let at: string | null = maxLsn([up.result.receiveLsn, up.result.replayLsn]);
  const from = at;
  for (;;) {
    if (at !== null && lsnValue(at)! >= target) {
      const s = ((Date.now() - t0) / 1000).toFixed(1);
      return { outcome: 'done', detail: `${o.candidate.name} received ${lsnBytes(at, from) ?? o.plan.bytes ?? 0} bytes from ${source.name} in ${s} s, up to ${at} (target ${o.plan.targetLsn})`, candidateLsn: at };
    }
    if (Date.now() - t0 > o.timeoutMs) {
      return {
        outcome: 'partial',
        detail: `salvage ran out of time after ${Math.round(o.timeoutMs / 1000)} s: ${o.candidate.name} is at ${at ?? 'an unknown position'}, ${at === null ? 'unknown' : lsnBytes(o.plan.targetLsn, at)} bytes short of ${o.plan.targetLsn}`,
        candidateLsn: at,
      };
    }
    await o.wait();
    const st = await memberStatus(o.candidate);
    const pos = st?.postgres.reachable ? maxLsn([st.postgres.receiveLsn, st.postgres.replayLsn, st.postgres.walReceiver?.flushedLsn]) : null;
    if (pos) at = maxLsn([at, pos]);
  }
}
