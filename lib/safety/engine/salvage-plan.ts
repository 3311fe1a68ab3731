// WAL salvage for one candidate (docs/safety.md "WAL salvage"): the WAL the candidate lacks may still
// exist on the stopped old primary's disk (proven final position) or on a more advanced replica. The
// executor can stream it to the candidate before promoting: start the fenced old primary read-only as
// a standby with no upstream of its own (it replays its own pg_wal and serves it), or point the
// candidate at the more advanced replica. Pure: which source, how far, how much, how long, or why
// not. The verdict never depends on it (it is decided on the loss without salvage): salvage is an
// execution step that can only make the outcome better.
import type { TDataLoss, TMemberInput, TSalvagePlan } from './types';
import type { TEvaluationFrame } from './evaluate-candidate';
import { lsnBytes, lsnValue } from '@/lib/pg';
import { answeredNow, walEnd } from './helpers';

type TSource = { node: string; kind: 'old-primary' | 'replica'; lsn: string };

const none = (reason: string, loss: TDataLoss): TSalvagePlan => ({
  possible: false,
  source: null,
  sourceKind: null,
  targetLsn: null,
  bytes: loss.bytes === 0 ? 0 : null,
  remainingBytes: loss.bytes,
  expectedSeconds: null,
  reason,
});

export function planSalvage(f: TEvaluationFrame, m: TMemberInput, loss: TDataLoss): TSalvagePlan {
  if (f.input.cluster.kind !== 'vakt-agent') return none('salvage needs a Vakt agent on every node (a Patroni cluster fails over through Patroni)', loss);
  if (loss.bytes === null) return none('the loss cannot be measured, so there is nothing to aim for', loss);
  if (f.view.primaryHealthy) return none('the primary is up: nothing is promoted', loss);
  if (loss.bytes === 0) {
    // holding every byte Vakt knows of proves nothing while the old primary may have written more
    if (loss.basis === 'proven-final' || !f.view.primaryNode) return none(`nothing to salvage: ${m.name} holds every byte known`, loss);
    return none(`${m.name} holds every byte Vakt knows of, but the final WAL position of the old primary ${f.view.primaryNode} is not proven (${f.finalPositionRejected ?? 'its agent does not report it stopped with no postmaster left'}), so nothing can be aimed for`, loss);
  }
  const o = m.observation;
  if (!answeredNow(o, f.nowMs, f.config) || o!.role !== 'replica') return none(`${m.name} does not answer now as a replica, so it cannot be pointed at another upstream`, loss);
  const cand = lsnValue(loss.candidateLsn);
  if (cand === null) return none(`the position of ${m.name} is not known`, loss);

  const why: string[] = [];
  const sources: TSource[] = [];
  const primary = f.view.primaryNode;
  const final = f.primaryKnowledge?.finalPosition ?? null;
  const po = f.primaryMember?.observation ?? null;
  if (primary) {
    if (!final) why.push(`the final WAL position of the old primary ${primary} is not proven (${f.finalPositionRejected ?? 'its agent does not report it stopped with no postmaster left'})`);
    else if (!po?.replicationAddress) why.push(`the agent of ${primary} reports no replication address (VAKT_AGENT_REPLICATION_ADDRESS), so no peer can stream from it`);
    else sources.push({ node: primary, kind: 'old-primary', lsn: final.lsn });
  }
  for (const x of f.input.members) {
    if (x.name === m.name || x.name === primary || !f.walCounted.has(x.name)) continue;
    const xo = x.observation;
    const end = walEnd(x);
    if ((lsnValue(end) ?? -1) <= cand) continue;
    if (!answeredNow(xo, f.nowMs, f.config) || xo!.role !== 'replica') why.push(`${x.name} holds more WAL but does not answer now as a replica`);
    else if (xo!.fencing?.fenced) why.push(`${x.name} holds more WAL but is fenced`);
    else if (!xo!.replicationAddress) why.push(`${x.name} holds more WAL but its agent reports no replication address`);
    else sources.push({ node: x.name, kind: 'replica', lsn: end! });
  }
  // the most advanced source; the old primary first on a tie (it holds everything it wrote)
  const best = sources.sort((a, b) => (lsnBytes(b.lsn, a.lsn) ?? 0) || (a.kind === 'old-primary' ? -1 : 1))[0];
  if (!best || (lsnValue(best.lsn) ?? 0) <= cand) return none(why.length ? `no source for the missing WAL: ${why.join('; ')}` : `no member holds WAL ${m.name} lacks`, loss);
  const bytes = lsnBytes(best.lsn, loss.candidateLsn) ?? 0;
  const remaining = Math.max(0, lsnBytes(loss.referenceLsn, best.lsn) ?? 0);
  const start = best.kind === 'old-primary' ? f.config.salvageStartSeconds : 1;
  return {
    possible: true,
    source: best.node,
    sourceKind: best.kind,
    targetLsn: best.lsn,
    bytes,
    remainingBytes: remaining,
    expectedSeconds: Math.ceil(start + bytes / f.config.salvageBytesPerSecond),
    reason:
      best.kind === 'old-primary'
        ? `the fenced old primary ${best.node} is started read-only as a standby and ${m.name} streams the ${bytes} bytes it lacks from it, up to ${best.lsn}${remaining > 0 ? `; ${remaining} bytes stay lost` : ': no loss'}`
        : `${m.name} streams the ${bytes} bytes it lacks from ${best.node}, up to ${best.lsn}${remaining > 0 ? `; ${remaining} bytes stay lost` : ''}`,
  };
}
