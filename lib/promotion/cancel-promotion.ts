import { db } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import type { TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { conflict, forbidden } from '@/lib/base/errors';
import { lockPromotion } from './locks';
import { isNotStarted, mayCancel } from './rules';

/** The requester (or an admin) withdraws a request that has not started executing. */
export async function cancelPromotion(opts: { actor: TActor; id: string; reason?: string }): Promise<{ id: string; status: 'CANCELLED' }> {
  requireRole(opts.actor, 'operator');
  return db.$transaction(async (tx) => {
    await lockPromotion(tx, opts.id);
    const req = await tx.promotionRequest.findUniqueOrThrow({ where: { id: opts.id } });
    if (!mayCancel(opts.actor, req.requestedById)) throw forbidden('only the requester or an admin can cancel a promotion request');
    if (!isNotStarted(req.status)) throw conflict(`this promotion is ${req.status}; it can no longer be cancelled`, { status: req.status });
    await tx.promotionRequest.update({ where: { id: req.id }, data: { status: 'CANCELLED', finishedAt: new Date() } });
    await tx.promotionStep.create({ data: { promotionId: req.id, name: 'cancel', status: 'ok', detail: `${opts.actor.label}${opts.reason ? `: ${opts.reason}` : ''}` } });
    await audit(tx, { actor: opts.actor, action: 'promotion.cancelled', targetType: 'promotion', targetId: req.id, before: { status: req.status }, after: { status: 'CANCELLED', reason: opts.reason ?? null } });
    return { id: req.id, status: 'CANCELLED' as const };
  });
}
