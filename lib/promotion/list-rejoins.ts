// GET /api/v1/clusters/{name}/members/{member}/rejoin: the member's rejoin requests, newest first, with their steps.
// GET /api/v1/clusters/{name}/rejoins: the cluster's (the cluster page's Rejoin section), with the members the
// page offers a rejoin for — decided by rejoinOffered (rejoin-rules.ts) on what the poller stored of the
// agents' answers: pages read, they never ask agents.
import { db } from '@/lib/base/db';
import { notFound } from '@/lib/base/errors';
import type { RejoinRequest } from '@/lib/generated/prisma/client';
import { storedNodeViews } from './rejoin-live';
import { OPEN_REJOIN_STATUSES, rejoinOffered } from './rejoin-rules';
import type { TRejoinStep } from './request-rejoin';

const view = (r: RejoinRequest) => ({
  id: r.id,
  member: r.member,
  reason: r.reason,
  status: r.status,
  outcome: r.outcome,
  requestedBy: r.requestedByLabel,
  requestedById: r.requestedById,
  approvedBy: r.approvedByLabel,
  epoch: r.epoch,
  createdAt: r.createdAt.toISOString(),
  expiresAt: r.expiresAt.toISOString(),
  finishedAt: r.finishedAt?.toISOString() ?? null,
  steps: r.steps as TRejoinStep[],
});
export type TRejoinView = ReturnType<typeof view>;
export type TRejoinOffer = { member: string; primary: string; fenceFirst: boolean };
export type TClusterRejoins = { cluster: string; offers: TRejoinOffer[]; items: TRejoinView[] };

async function clusterOf(name: string) {
  const c = await db.cluster.findUnique({ where: { name }, select: { id: true, kind: true, epoch: true } });
  if (!c) throw notFound(`cluster ${name}`);
  return c;
}

export async function listRejoins(opts: { cluster: string; member: string; limit?: number }) {
  const c = await clusterOf(opts.cluster);
  const rows = await db.rejoinRequest.findMany({ where: { clusterId: c.id, member: opts.member }, orderBy: { createdAt: 'desc' }, take: opts.limit ?? 20 });
  return rows.map(view);
}

export async function listClusterRejoins(opts: { cluster: string; limit?: number }): Promise<TClusterRejoins> {
  const c = await clusterOf(opts.cluster);
  const rows = await db.rejoinRequest.findMany({ where: { clusterId: c.id }, orderBy: { createdAt: 'desc' }, take: opts.limit ?? 20 });
  const items = rows.map(view);
  const open = new Set(items.filter((r) => OPEN_REJOIN_STATUSES.includes(r.status)).map((r) => r.member));
  const offers: TRejoinOffer[] = [];
  if (c.kind === 'vakt_agent') {
    const nodes = await storedNodeViews(c.id);
    for (const n of nodes) {
      if (open.has(n.name)) continue;
      const plan = rejoinOffered({ member: n.name, epoch: c.epoch, nodes });
      if (plan) offers.push({ member: n.name, primary: plan.primary, fenceFirst: plan.fenceFirst });
    }
  }
  return { cluster: opts.cluster, offers, items };
}
