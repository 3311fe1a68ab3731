// 3-node clusters (issue 15): after a switchover or a promotion of a Vakt-agent cluster, every other replica
// (neither the new primary nor the old one) is re-pointed at the new primary through its agent — POST
// /v1/upstream with the new epoch (primary_conninfo's host and port replaced, reloaded without a restart;
// refused for a stale epoch) — and watched until it streams from the new primary on its timeline. One step
// `repoint` per replica with what happened. A replica that cannot be re-pointed (fenced, no answer, refused,
// not streaming in time) is recorded as such and never fails the promotion: the primary change is done, and
// the cluster page offers that replica a rejoin.
import { sleep } from '@/lib/base/sleep';
import type { TLoadedCluster, TLoadedMember } from '@/lib/safety/load-safety-input';
import { callFailure, memberStatus, setUpstream } from './drivers/vakt-agent';
import { VERIFY_TIMEOUT_MS, type TExecution } from './execution-core';

export async function repointOtherReplicas(x: TExecution, o: { cluster: TLoadedCluster; newPrimary: TLoadedMember; oldPrimary: string | null; epoch: number; timeline: number | null }): Promise<void> {
  if (o.cluster.kind !== 'vakt-agent') return;
  const others = o.cluster.members.filter((m) => m.name !== o.newPrimary.name && m.name !== o.oldPrimary);
  if (!others.length) return;
  const addr = (await memberStatus(o.newPrimary))?.node.replicationAddress;
  if (!addr) {
    for (const m of others) await x.step('repoint', 'skipped', `${m.name}: ${o.newPrimary.name} reports no replication address (VAKT_AGENT_REPLICATION_ADDRESS); re-point it by hand or rejoin it`);
    return;
  }
  const deadline = Date.now() + (x.opts.verifyTimeoutMs ?? VERIFY_TIMEOUT_MS);
  for (const m of others) {
    const s = await memberStatus(m);
    if (!s || !s.postgres.reachable || s.postgres.role !== 'replica' || s.fencing.fenced) {
      await x.step('repoint', 'skipped', `${m.name} is not an unfenced replica that answers (${s ? `role ${s.postgres.role}${s.fencing.fenced ? `, fenced at epoch ${s.fencing.epoch}` : ''}` : 'no answer'}): not re-pointed; rejoin it`);
      continue;
    }
    const r = await setUpstream(m, o.epoch, addr, `vakt promotion ${x.id}: ${o.newPrimary.name} is the primary at epoch ${o.epoch}`);
    if (!r.ok) {
      await x.step('repoint', 'failed', `re-pointing ${m.name} at ${o.newPrimary.name} (${addr.host}:${addr.port}) failed ${callFailure(r)}; rejoin it`);
      continue;
    }
    let seen = 'no answer';
    for (;;) {
      const st = await memberStatus(m);
      const wr = st?.postgres.walReceiver;
      if (wr?.status === 'streaming' && wr.senderPort === addr.port && (o.timeline === null || wr.receivedTimeline === o.timeline)) {
        await x.step('repoint', 'ok', `${m.name}: ${r.result.detail ?? 're-pointed'}; streams from ${o.newPrimary.name} (${wr.senderHost}:${wr.senderPort}) on timeline ${wr.receivedTimeline ?? '?'} at epoch ${o.epoch}`);
        break;
      }
      seen = st ? `WAL receiver ${wr?.status ?? 'none'} from port ${wr?.senderPort ?? '?'} on timeline ${wr?.receivedTimeline ?? '?'}` : 'no answer';
      if (Date.now() > deadline) {
        await x.step('repoint', 'failed', `${m.name}: ${r.result.detail ?? 're-pointed'}, but not seen streaming from ${o.newPrimary.name} on timeline ${o.timeline ?? '?'} in time (${seen}); rejoin it`);
        break;
      }
      await x.renew();
      await sleep(250);
    }
  }
}
