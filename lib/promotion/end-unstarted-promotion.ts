import { db } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import type { TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { conflict } from '@/lib/base/errors';
import { lockPromotion } from './locks';
import { isNotStarted } from './rules';

const ENDINGS = {
  CANCELLED: { step: 'cancel', verb: 'cancelled' },
  REJECTED: { step: 'reject', verb: 'rejected' },
} as const;

/**
 * An operator's end of a request that has not started executing (cancel, reject): under the row lock,
 * `allow` checks the request, then the status, one step row and the audit row, in one transaction.
 */
export async function endUnstartedPromotion<S extends keyof typeof ENDINGS>(opts: {
  actor: TActor;
  id: string;
  status: S;
  /** the step row's detail */
  detail: string;
  reason: string | null;
  allow?: (req: { requestedById: string | null }) => void;
}): Promise<{ id: string; status: S }> {
  requireRole(opts.actor, 'operator');
  const { step, verb } = ENDINGS[opts.status];
  return db.$transaction(async (tx) => {
    await lockPromotion(tx, opts.id);
    const req = await tx.promotionRequest.findUniqueOrThrow({ where: { id: opts.id } });
    opts.allow?.(req);
    if (!isNotStarted(req.status)) throw conflict(`this promotion is ${req.status}; it can no longer be ${verb}`, { status: req.status });
    await tx.promotionRequest.update({ where: { id: req.id }, data: { status: opts.status, finishedAt: new Date() } });
    await tx.promotionStep.create({ data: { promotionId: req.id, name: step, status: 'ok', detail: opts.detail } });
    await audit(tx, { actor: opts.actor, action: `promotion.${verb}`, targetType: 'promotion', targetId: req.id, before: { status: req.status }, after: { status: opts.status, reason: opts.reason } });
    return { id: req.id, status: opts.status };
  });
}
