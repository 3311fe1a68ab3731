// When the engine sees two writers: one alarm event per episode, every open (not yet executing)
// promotion in the cluster stopped with the reason, and the member with the stale epoch named for fencing.
import { db } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import { systemActor } from '@/lib/auth/actor';
import type { TSafetyReport } from '@/lib/safety/engine';
import { isNotStarted, NOT_STARTED_STATUSES } from './rules';

export const SPLIT_BRAIN_EVENT = 'safety.split_brain';
export const SPLIT_BRAIN_RESOLVED_EVENT = 'safety.split_brain_resolved';

export async function handleSplitBrain(clusterId: string, report: TSafetyReport): Promise<{ recorded: boolean; blocked: number }> {
  const last = await db.clusterEvent.findFirst({
    where: { clusterId, kind: { in: [SPLIT_BRAIN_EVENT, SPLIT_BRAIN_RESOLVED_EVENT] } },
    orderBy: { id: 'desc' },
    select: { kind: true },
  });
  const inEpisode = last?.kind === SPLIT_BRAIN_EVENT;
  if (report.state !== 'SPLIT_BRAIN') {
    if (inEpisode) {
      await db.clusterEvent.create({ data: { clusterId, kind: SPLIT_BRAIN_RESOLVED_EVENT, severity: 'info', message: 'Only one member accepts writes again; promotions are no longer blocked by split brain.' } });
    }
    return { recorded: false, blocked: 0 };
  }
  const alarm = report.alarms.find((a) => a.code === 'SPLIT_BRAIN');
  let recorded = false;
  if (!inEpisode) {
    await db.clusterEvent.create({
      data: {
        clusterId,
        memberName: report.fenceTarget,
        kind: SPLIT_BRAIN_EVENT,
        severity: 'critical',
        message: `${alarm?.message ?? 'Split brain: more than one member accepts writes.'} Every promotion in this cluster is blocked.`,
        data: { fenceTarget: report.fenceTarget, epoch: report.epoch },
      },
    });
    recorded = true;
  }
  const open = await db.promotionRequest.findMany({ where: { clusterId, status: { in: [...NOT_STARTED_STATUSES] } }, select: { id: true } });
  let blocked = 0;
  for (const { id } of open) {
    await db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ status: string }[]>`SELECT "status"::text AS status FROM "vakt"."PromotionRequest" WHERE "id" = ${id} FOR UPDATE`;
      if (!rows[0] || !isNotStarted(rows[0].status)) return;
      const message = `blocked: split brain detected${report.fenceTarget ? `; fence ${report.fenceTarget} (stale epoch)` : ''}`;
      await tx.promotionRequest.update({ where: { id }, data: { status: 'FAILED', finishedAt: new Date() } });
      await tx.promotionStep.create({ data: { promotionId: id, name: 'split-brain', status: 'failed', detail: message } });
      await audit(tx, { actor: systemActor(), action: 'promotion.blocked_split_brain', targetType: 'promotion', targetId: id, before: { status: rows[0].status }, after: { status: 'FAILED', reason: message } });
      blocked++;
    });
  }
  return { recorded, blocked };
}
