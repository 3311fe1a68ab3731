// POST /api/v1/clusters/{name}/members/{member}/rejoin/{id}/reject {reason} and …/cancel {reason?} (issue 15,
// mirroring the promotion endpoints): a rejoin request that has not started executing (PENDING or
// APPROVED) ends REJECTED (any operator) or CANCELLED (the requester or an admin). Under the row lock:
// the status, one step with who and why, and the audit row, in one transaction. Expiry: expire-rejoins.ts.
import { audit } from '@/lib/audit/record';
import { db, dbNow } from '@/lib/base/db';
import { conflict, forbidden } from '@/lib/base/errors';
import type { TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { rejoinStep, type TRejoinStep } from './request-rejoin';
import { lockRejoinRequest } from './locks';
import { REJOIN_NOT_STARTED } from './rejoin-rules';
import { mayCancel } from './rules';

const ENDINGS = { REJECTED: { step: 'reject', verb: 'rejected' }, CANCELLED: { step: 'cancel', verb: 'cancelled' } } as const;

type TEndRejoin = { actor: TActor; cluster: string; member: string; id: string };

async function endUnstartedRejoin<S extends keyof typeof ENDINGS>(o: TEndRejoin & { status: S; reason: string | null; allow?: (requestedById: string | null) => void }): Promise<{ id: string; status: S }> {
  requireRole(o.actor, 'operator');
  const { step, verb } = ENDINGS[o.status];
  return db.$transaction(async (tx) => {
    const req = await lockRejoinRequest(tx, o);
    o.allow?.(req.requestedById);
    if (!REJOIN_NOT_STARTED.includes(req.status)) throw conflict(`this rejoin request is ${req.status}; it can no longer be ${verb}`, { status: req.status });
    const now = await dbNow(tx);
    const steps = [...(req.steps as TRejoinStep[]), rejoinStep(step, 'ok', `${o.actor.label}${o.reason ? `: ${o.reason}` : ''}; nothing was executed`, now)];
    await tx.rejoinRequest.update({ where: { id: req.id }, data: { status: o.status, outcome: verb, finishedAt: now, steps } });
    await audit(tx, { actor: o.actor, action: `rejoin.${verb}`, targetType: 'rejoin', targetId: req.id, before: { status: req.status }, after: { status: o.status, cluster: o.cluster, member: o.member, reason: o.reason } });
    return { id: req.id, status: o.status };
  });
}

/** Any operator rejects a rejoin request that has not started. */
export const rejectRejoin = (o: TEndRejoin & { reason: string }) => endUnstartedRejoin({ ...o, status: 'REJECTED' });

/** The requester (or an admin) withdraws a rejoin request that has not started. */
export const cancelRejoin = (o: TEndRejoin & { reason?: string }) =>
  endUnstartedRejoin({
    ...o,
    status: 'CANCELLED',
    reason: o.reason ?? null,
    allow: (requestedById) => {
      if (!mayCancel(o.actor, requestedById)) throw forbidden('only the requester or an admin can cancel a rejoin request');
    },
  });
