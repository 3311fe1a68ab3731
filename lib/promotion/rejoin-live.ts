// Rejoin (issue 15 item 4): what the members' agents answer (now, or as the poller last stored it), in the
// shape rejoinPlan (rejoin-rules.ts) decides on.
import { db } from '@/lib/base/db';
import { ZAgentStatus, type TAgentStatus } from '@/lib/agent/protocol';
import type { TLoadedMember } from '@/lib/safety/load-safety-input';
import { memberStatus } from './drivers/vakt-agent';
import type { TRejoinNodeView } from './rejoin-rules';

const nodeView = (name: string, s: TAgentStatus | null): TRejoinNodeView => ({
  name,
  status: s && {
    reachable: s.postgres.reachable,
    role: s.postgres.role,
    fenced: s.fencing.fenced,
    fencingEpoch: s.fencing.epoch,
    timeline: s.postgres.timeline ?? null,
    replicationAddress: s.node.replicationAddress ?? null,
  },
});

/** Asks every member's agent now (request and execution). */
export async function liveNodeViews(members: TLoadedMember[]): Promise<TRejoinNodeView[]> {
  return Promise.all(members.map(async (m) => nodeView(m.name, await memberStatus(m))));
}

/** What the poller stored of each member's last agent answer (pages: they never ask agents); no answer = null. */
export async function storedNodeViews(clusterId: string): Promise<TRejoinNodeView[]> {
  const members = await db.clusterMember.findMany({ where: { clusterId }, select: { name: true, observation: { select: { status: true, payload: true } } }, orderBy: { name: 'asc' } });
  return members.map((m) => {
    const parsed = m.observation && m.observation.status !== 'unknown' ? ZAgentStatus.safeParse(m.observation.payload) : null;
    return nodeView(m.name, parsed?.success ? parsed.data : null);
  });
}
