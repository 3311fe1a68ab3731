import { db } from '@/lib/base/db';
import { readApprovalRecord } from './approval-binding';
import type { TPromotionStatus } from './schemas';

export type TPromotionListItem = {
  id: string;
  cluster: string;
  candidate: string;
  status: string;
  automatic: boolean;
  /** failover | switchover (issue 15) */
  kind: string;
  /** switchover: stop requested -> new primary accepting writes (ms); null = not measured (yet) */
  writeGapMs: number | null;
  /** switchover: switched | rolled-back; null otherwise */
  outcome: string | null;
  scheduledAt: string | null;
  requestedBy: string;
  reason: string;
  /** approvals that have not lapsed (LOSS_GREW) */
  approvals: number;
  approvalsRequired: number;
  epochBefore: number;
  epochAfter: number | null;
  createdAt: string;
  finishedAt: string | null;
};

export async function listPromotions(opts: { cluster?: string; status?: TPromotionStatus; limit?: number } = {}): Promise<TPromotionListItem[]> {
  const rows = await db.promotionRequest.findMany({
    where: { ...(opts.cluster ? { cluster: { name: opts.cluster } } : {}), ...(opts.status ? { status: opts.status } : {}) },
    include: { cluster: { select: { name: true } }, approvals: { select: { observedLsns: true } } },
    orderBy: { createdAt: 'desc' },
    take: opts.limit ?? 100,
  });
  return rows.map((r) => ({
    id: r.id,
    cluster: r.cluster.name,
    candidate: r.candidate,
    status: r.status,
    automatic: r.automatic,
    kind: r.kind,
    writeGapMs: r.writeGapMs,
    outcome: r.outcome,
    scheduledAt: r.scheduledAt?.toISOString() ?? null,
    requestedBy: r.requestedByLabel,
    reason: r.reason,
    approvals: r.approvals.filter((a) => !readApprovalRecord(a.observedLsns).lapsed).length,
    approvalsRequired: r.approvalsRequired,
    epochBefore: r.epochBefore,
    epochAfter: r.epochAfter,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  }));
}
