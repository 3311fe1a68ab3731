// GET /api/v1/clusters/{name}/members/{member}/rejoin: the member's rejoin requests, newest first, with their steps.
import { db } from '@/lib/base/db';
import { notFound } from '@/lib/base/errors';
import type { TRejoinStep } from './request-rejoin';

export async function listRejoins(opts: { cluster: string; member: string; limit?: number }) {
  const c = await db.cluster.findUnique({ where: { name: opts.cluster }, select: { id: true } });
  if (!c) throw notFound(`cluster ${opts.cluster}`);
  const rows = await db.rejoinRequest.findMany({ where: { clusterId: c.id, member: opts.member }, orderBy: { createdAt: 'desc' }, take: opts.limit ?? 20 });
  return rows.map((r) => ({
    id: r.id,
    member: r.member,
    reason: r.reason,
    status: r.status,
    outcome: r.outcome,
    requestedBy: r.requestedByLabel,
    approvedBy: r.approvedByLabel,
    epoch: r.epoch,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    steps: r.steps as TRejoinStep[],
  }));
}
