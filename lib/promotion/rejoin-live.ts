// Rejoin (issue 15 item 4): what the members' agents answer now, in the shape rejoinPlan (rejoin-rules.ts) decides on.
import type { TLoadedMember } from '@/lib/safety/load-safety-input';
import { memberStatus } from './drivers/vakt-agent';
import type { TRejoinNodeView } from './rejoin-rules';

export async function liveNodeViews(members: TLoadedMember[]): Promise<TRejoinNodeView[]> {
  return Promise.all(
    members.map(async (m) => {
      const s = await memberStatus(m);
      return {
        name: m.name,
        status: s && {
          reachable: s.postgres.reachable,
          role: s.postgres.role,
          fenced: s.fencing.fenced,
          fencingEpoch: s.fencing.epoch,
          timeline: s.postgres.timeline ?? null,
          replicationAddress: s.node.replicationAddress ?? null,
        },
      };
    }),
  );
}
