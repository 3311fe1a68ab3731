import { db } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import type { TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { conflict } from '@/lib/base/errors';
import { lockPromotion } from './locks';
import { isNotStarted } from './rules';

/** An operator rejects a request that has not started executing. */
export async function rejectPromotion(opts: { actor: TActor; id: string; reason: string }): Promise<{ id: string; status: 'REJECTED' }> {
  requireRole(opts.actor, 'operator');
  return db.$transaction(async (tx) => {
    await lockPromotion(tx, opts.id);
    const req = await tx.promotionRequest.findUniqueOrThrow({ where: { id: opts.id } });
    if (!isNotStarted(req.status)) throw conflict(`this promotion is ${req.status}; it can no longer be rejected`, { status: req.status });
    await tx.promotionRequest.update({ where: { id: req.id }, data: { status: 'REJECTED', finishedAt: new Date() } });
    await tx.promotionStep.create({ data: { promotionId: req.id, name: 'reject', status: 'ok', detail: `${opts.actor.label}: ${opts.reason}` } });
    await audit(tx, { actor: opts.actor, action: 'promotion.rejected', targetType: 'promotion', targetId: req.id, before: { status: req.status }, after: { status: 'REJECTED', reason: opts.reason } });
    return { id: req.id, status: 'REJECTED' as const };
  });
}
