// POST /api/v1/clusters/{name}/members/{member}/rejoin {reason} (issue 15 item 4): an operator asks Vakt to
// bring a fenced old primary (or a replica left on the old timeline) back as a replica of the new primary.
// Refused (409) when the member answers as a primary (the current one, or any writable one), when no other
// member answers as the primary, or when the member already has an open rejoin request. It needs one
// approval by a second operator (approve-rejoin.ts); the worker executes it (execute-rejoin.ts).
import { z } from 'zod';
import type { TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { AppError, conflict, notFound } from '@/lib/base/errors';
import { audit } from '@/lib/audit/record';
import { db, dbNow } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { loadSafetyInput } from '@/lib/safety/load-safety-input';
import { lockCluster } from './locks';
import { liveNodeViews } from './rejoin-live';
import { OPEN_REJOIN_STATUSES, rejoinPlan } from './rejoin-rules';

export const ZRejoinBody = z.strictObject({ reason: z.string({ error: 'required: why the member rejoins' }).trim().min(3, 'say why (at least 3 characters)').max(2000) });

export type TRejoinStep = { name: string; status: string; at: string; detail: string };
export const rejoinStep = (name: string, status: string, detail: string, at = new Date()): TRejoinStep => ({ name, status, at: at.toISOString(), detail });

export async function requestRejoin(opts: { actor: TActor; cluster: string; member: string; reason: string }): Promise<{ id: string; status: 'PENDING'; epoch: number; primary: string }> {
  requireRole(opts.actor, 'operator');
  const found = await db.cluster.findUnique({ where: { name: opts.cluster }, select: { id: true, kind: true } });
  if (!found) throw notFound(`cluster ${opts.cluster}`);
  if (found.kind !== 'vakt_agent') throw conflict(`${opts.cluster} is a ${found.kind} cluster: Vakt rejoins members only through its own agents`);
  const { cluster } = await loadSafetyInput({ id: found.id });
  if (!cluster.members.some((m) => m.name === opts.member)) throw notFound(`member ${opts.member} of cluster ${opts.cluster}`);
  const plan = rejoinPlan({ member: opts.member, epoch: cluster.epoch, nodes: await liveNodeViews(cluster.members) });
  if (!plan.ok) throw new AppError('CONFLICT', plan.message, { reason: plan.code });
  return db.$transaction(async (tx) => {
    const { epoch } = await lockCluster(tx, found.id);
    const open = await tx.rejoinRequest.findFirst({ where: { clusterId: found.id, member: opts.member, status: { in: OPEN_REJOIN_STATUSES } }, select: { id: true, status: true } });
    if (open) throw conflict(`${opts.member} already has an open rejoin request (${open.status})`, { rejoinId: open.id });
    const now = await dbNow(tx);
    const detail = `rejoin ${opts.member} as a replica of ${plan.primary} (timeline ${plan.primaryTimeline ?? '?'}) at epoch ${epoch}${plan.fenceFirst ? `; it is not fenced at epoch ${epoch}: it will be fenced first` : ''}; one approval by another operator required`;
    const req = await tx.rejoinRequest.create({
      data: {
        clusterId: found.id,
        member: opts.member,
        reason: opts.reason,
        requestedById: opts.actor.type === 'user' ? opts.actor.id : null,
        requestedByLabel: opts.actor.label,
        epoch,
        expiresAt: new Date(now.getTime() + env().VAKT_APPROVAL_TTL_MINUTES * 60_000),
        steps: [rejoinStep('request', 'ok', detail, now)],
      },
    });
    await audit(tx, { actor: opts.actor, action: 'rejoin.requested', targetType: 'rejoin', targetId: req.id, after: { cluster: opts.cluster, member: opts.member, reason: opts.reason, epoch, primary: plan.primary, fenceFirst: plan.fenceFirst } });
    return { id: req.id, status: 'PENDING' as const, epoch, primary: plan.primary };
  });
}
