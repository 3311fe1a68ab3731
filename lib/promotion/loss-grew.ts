// LOSS_GREW (docs/safety.md "Approvals are bound to the size of the loss"): execution found the fresh
// loss above max(the estimate the approvals were given, any acknowledgment) + one WAL page. In one
// transaction, only while the caller still holds the request (status and executor as given): the
// counting approvals lapse (marked on their rows, not deleted), the acknowledgment is cleared, the
// request goes back to PENDING rebound to the fresh evaluation with both numbers, plus a step row, a
// cluster event and the audit. Approvers (or, for an automatic request, automatic mode) approve again.
import { db } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import type { TActor } from '@/lib/auth/actor';
import { SAFE_ENDED_EVENT } from './automatic-mode';
import { approvalCounts, readApprovalRecord, type TApprovalLapse } from './approval-binding';
import type { TLossCheck } from './rules';
import type { TLossGrew, TVerdictSnapshot } from './snapshot';

type TLossGrewCheck = Extract<TLossCheck, { proceed: false }>;

export const lossGrewDetail = (g: Pick<TLossGrew, 'approvedBytes' | 'freshBytes' | 'message'>) =>
  `LOSS_GREW: approved ${g.approvedBytes ?? 'unknown'} bytes, fresh ${g.freshBytes ?? 'unknown'} bytes — ${g.message}; the approvals lapsed: approve again`;

/** Returns false when the request is no longer held as given (nothing changed). */
export async function returnToPendingLossGrew(opts: {
  id: string;
  executorId: string;
  actor: TActor;
  check: TLossGrewCheck;
  fresh: TVerdictSnapshot;
  now: Date;
}): Promise<boolean> {
  const { id, check, now } = opts;
  return db.$transaction(async (tx) => {
    const held = await tx.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "vakt"."PromotionRequest" WHERE "id" = ${id} AND "status" = 'EXECUTING' AND "executorId" = ${opts.executorId} FOR UPDATE`;
    if (!held[0]) return false;
    const req = await tx.promotionRequest.findUniqueOrThrow({ where: { id }, include: { approvals: true } });
    const lapsing = req.approvals.filter((a) => approvalCounts(a, now));
    const lapse: TApprovalLapse = { code: 'LOSS_GREW', at: now.toISOString(), approvedBytes: check.approvedBytes, freshBytes: check.freshBytes, message: check.message };
    for (const a of lapsing) {
      await tx.promotionApproval.update({ where: { id: a.id }, data: { observedLsns: { ...readApprovalRecord(a.observedLsns), lapsed: lapse } as object } });
    }
    const lossGrew: TLossGrew = {
      code: 'LOSS_GREW',
      at: now.toISOString(),
      approvedBytes: check.approvedBytes,
      acknowledgedBytes: check.acknowledgedBytes,
      freshBytes: check.freshBytes,
      allowedBytes: check.allowedBytes,
      lapsedApprovals: lapsing.map((a) => a.userLabel),
      message: check.message,
    };
    const detail = lossGrewDetail(lossGrew);
    await tx.promotionRequest.update({
      where: { id },
      data: { status: 'PENDING', executorId: null, executorLeaseUntil: null, acknowledgeDataLossBytes: null, verdict: { ...opts.fresh, lossGrew } as object },
    });
    await tx.promotionStep.create({ data: { promotionId: id, name: 'evaluate', status: 'loss-grew', detail } });
    await tx.clusterEvent.create({
      data: { clusterId: req.clusterId, memberName: req.candidate, kind: 'promotion-loss-grew', severity: 'warning', message: `promotion of ${req.candidate} back to PENDING: ${detail}`, data: { promotionId: id, ...lossGrew } },
    });
    if (req.automatic) {
      // automatic mode approves again only after the candidate stays SAFE for the whole delay once more
      await tx.clusterEvent.create({ data: { clusterId: req.clusterId, kind: SAFE_ENDED_EVENT, severity: 'info', message: `LOSS_GREW: the automatic-mode delay for ${req.candidate} starts again.` } });
    }
    await audit(tx, {
      actor: opts.actor,
      action: 'promotion.loss_grew',
      targetType: 'promotion',
      targetId: id,
      before: { status: 'EXECUTING', approvals: lapsing.map((a) => ({ id: a.id, user: a.userLabel, dataLossBytes: readApprovalRecord(a.observedLsns).dataLossBytes ?? null })), acknowledgeDataLossBytes: req.acknowledgeDataLossBytes },
      after: { status: 'PENDING', ...lossGrew, binding: opts.fresh.binding },
    });
    return true;
  });
}
