// POST /api/v1/clusters/{name}/members/{member}/rejoin/{id}/approvals {password} (issue 15 item 4): a second
// operator approves a rejoin request (a person's act: session only, step-up). The requester never approves
// their own request. Approved, the worker executes it (execute-rejoin.ts).
import type { TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { conflict, forbidden } from '@/lib/base/errors';
import { db, dbNow } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import { lockRejoinRequest } from './locks';
import { rejoinStep, type TRejoinStep } from './request-rejoin';
import { requireStepUp } from './step-up';

export async function approveRejoin(opts: { actor: TActor; cluster: string; member: string; id: string; password?: string }): Promise<{ id: string; status: 'APPROVED' }> {
  requireRole(opts.actor, 'operator');
  await requireStepUp(opts.actor, opts.password);
  return db.$transaction(async (tx) => {
    const req = await lockRejoinRequest(tx, opts);
    const now = await dbNow(tx);
    if (req.status !== 'PENDING') throw conflict(`this rejoin request is ${req.status}; only PENDING requests can be approved`, { status: req.status });
    if (req.expiresAt <= now) throw conflict('this rejoin request has expired; request it again', { status: 'EXPIRED' });
    if (req.requestedById && req.requestedById === opts.actor.id) throw forbidden('a rejoin needs a second operator: the requester cannot approve it');
    const steps = [...(req.steps as TRejoinStep[]), rejoinStep('approval', 'ok', `${opts.actor.label} approved; ready for execution`, now)];
    await tx.rejoinRequest.update({ where: { id: req.id }, data: { status: 'APPROVED', approvedById: opts.actor.id, approvedByLabel: opts.actor.label, approvedAt: now, steps } });
    await audit(tx, { actor: opts.actor, action: 'rejoin.approved', targetType: 'rejoin', targetId: req.id, after: { cluster: opts.cluster, member: opts.member, requestedBy: req.requestedByLabel } });
    return { id: req.id, status: 'APPROVED' as const };
  });
}
