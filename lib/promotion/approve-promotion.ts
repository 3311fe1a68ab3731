import { db, dbNow } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { audit } from '@/lib/audit/record';
import type { TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { AppError, conflict, forbidden } from '@/lib/base/errors';
import { approvalCounts, bindingChanges, readApprovalRecord, type TApprovalRecord } from './approval-binding';
import { lockPromotion } from './locks';
import { evaluateClusterNow } from '@/lib/safety/load-safety-input';
import { acknowledgmentCovers, attestationMatches, attestationTextFor, exceedsRpo, requesterMayNotApproveNow } from './rules';
import { failoverSnapshot, readSnapshot } from './snapshot';
import { freshSnapshotFor } from './switchover-snapshot';
import { requireStepUp } from './step-up';

export type TApproveResult = { id: string; status: 'PENDING' | 'APPROVED'; approvals: number; approvalsRequired: number };

const isUniqueViolation = (e: unknown) => (e as { code?: string })?.code === 'P2002';

/**
 * A person approves (session only; step-up first). The approval is bound to the cluster, candidate,
 * epoch, observed LSNs, verdict and the estimated loss in bytes of a fresh evaluation, which must
 * still match the request's. Approvals that lapsed (LOSS_GREW) or expired do not count; a person
 * whose approval lapsed approves again on the same row (the earlier one is kept in `previous`).
 * Time decisions use Vakt's database now.
 */
export async function approvePromotion(opts: {
  actor: TActor;
  id: string;
  password?: string;
  attestation?: string;
  acknowledgeDataLossBytes?: number;
  now?: Date;
}): Promise<TApproveResult> {
  requireRole(opts.actor, 'operator');
  await requireStepUp(opts.actor, opts.password, opts.now);
  const userId = opts.actor.id!;
  try {
    return await db.$transaction(
      async (tx) => {
        await lockPromotion(tx, opts.id);
        const req = await tx.promotionRequest.findUniqueOrThrow({ where: { id: opts.id }, include: { approvals: true, cluster: { select: { name: true } } } });
        const now = opts.now ?? (await dbNow(tx));
        if (req.status !== 'PENDING') throw conflict(`this promotion is ${req.status}; only PENDING requests can be approved`, { status: req.status });
        if (req.expiresAt <= now) throw conflict('this promotion request has expired; request it again', { status: 'EXPIRED' });
        const counting = req.approvals.filter((a) => approvalCounts(a, now));
        const own = req.approvals.find((a) => a.userId === userId);
        if (own && !readApprovalRecord(own.observedLsns).lapsed) throw conflict('you have already approved this promotion', { reason: 'ALREADY_APPROVED' });
        if (requesterMayNotApproveNow({ approvalsRequired: req.approvalsRequired, approvalsSoFar: counting.length, requestedById: req.requestedById, userId })) {
          throw forbidden('where two approvals are required, the requester cannot be the second approver');
        }

        const ev = await evaluateClusterNow({ id: req.clusterId, client: tx, now });
        const snap = readSnapshot(req.verdict);
        // a switchover is judged by its own verdict (issue 15), in the same snapshot shape
        const fresh = freshSnapshotFor(ev, req, failoverSnapshot);
        if (!fresh) throw conflict(`${req.candidate} is no longer a candidate of ${req.cluster.name}`, { reason: 'STALE' });
        const c = fresh.candidate;
        const changes = bindingChanges(snap.binding, fresh.binding);
        if (changes.length > 0) {
          throw conflict(`the situation changed since the request: ${changes.join('; ')}. Request the promotion again.`, {
            reason: 'STALE',
            changes,
            verdict: c.verdict,
          });
        }

        const needsAttestation = c.requiresAttestation || snap.binding.requiresAttestation;
        const expected = attestationTextFor(ev.report.primary?.node);
        if (needsAttestation) {
          if (!attestationMatches(opts.attestation, expected)) {
            throw new AppError('VALIDATION', `type "${expected}" to attest that the old primary is fenced (powered off or isolated)`, {
              fields: [{ path: 'attestation', message: `required: type exactly "${expected}"` }],
            });
          }
        }
        let ack: number | null = req.acknowledgeDataLossBytes;
        if (exceedsRpo(c)) {
          const estimate = c.dataLoss.bytes;
          if (estimate === null) throw conflict('the data loss cannot be measured in bytes, so it cannot be acknowledged; request again when it can', { reason: 'STALE' });
          const given = opts.acknowledgeDataLossBytes;
          if (given === undefined || !acknowledgmentCovers(given, estimate)) {
            throw new AppError('VALIDATION', `the estimate exceeds the RPO bound: acknowledge at least ${estimate} bytes of data loss`, {
              fields: [{ path: 'acknowledgeDataLossBytes', message: `required: a number ≥ ${estimate} (the estimated loss in bytes)` }],
            });
          }
          // The smallest acknowledgment given is the one execution holds the estimate to.
          ack = ack === null ? given : Math.min(ack, given);
        }

        // a scheduled switchover's approvals hold until its window ends (its request expires then), others for the TTL
        const expiresAt = req.windowEnd ? req.expiresAt : new Date(Math.min(req.expiresAt.getTime(), now.getTime() + env().VAKT_APPROVAL_TTL_MINUTES * 60_000));
        // Bound to the estimate this approver is shown: execution holds the fresh loss to it (rules.ts checkLossGrowth).
        const record: TApprovalRecord = { candidateLsn: fresh.binding.candidateLsn, candidateTimeline: fresh.binding.candidateTimeline, primary: fresh.binding.primary, dataLossBytes: c.dataLoss.bytes };
        const approval = { userLabel: opts.actor.label, epoch: fresh.binding.epoch, candidate: c.node, verdict: c.verdict, expiresAt };
        if (own) {
          // approving again after a lapse: the earlier approval (with its lapse) stays on the row
          const { previous = [], ...earlier } = readApprovalRecord(own.observedLsns);
          const history = [...previous, { ...earlier, at: own.at.toISOString(), verdict: own.verdict, epoch: own.epoch, expiresAt: own.expiresAt.toISOString() }];
          await tx.promotionApproval.update({ where: { id: own.id }, data: { ...approval, at: now, observedLsns: { ...record, previous: history } as object } });
        } else {
          await tx.promotionApproval.create({ data: { promotionId: req.id, userId, ...approval, at: now, observedLsns: record as object } });
        }
        const count = counting.length + 1;
        const status = count >= req.approvalsRequired ? ('APPROVED' as const) : ('PENDING' as const);
        await tx.promotionRequest.update({
          where: { id: req.id },
          data: {
            status,
            attestation: needsAttestation ? opts.attestation!.trim() : req.attestation,
            acknowledgeDataLossBytes: ack,
          },
        });
        await tx.promotionStep.create({
          data: {
            promotionId: req.id,
            name: 'approval',
            status: 'ok',
            detail: `${opts.actor.label} approved${own ? ' again' : ''} (${count}/${req.approvalsRequired}) for an estimated loss of ${c.dataLoss.bytes ?? 'unknown'} bytes${status === 'APPROVED' ? '; ready for execution' : ''}`,
          },
        });
        await audit(tx, {
          actor: opts.actor,
          action: 'promotion.approved',
          targetType: 'promotion',
          targetId: req.id,
          after: {
            cluster: req.cluster.name,
            candidate: c.node,
            binding: fresh.binding,
            approvals: count,
            approvalsRequired: req.approvalsRequired,
            status,
            estimatedBytes: c.dataLoss.bytes,
            ...(own ? { approvedAgain: true } : {}),
            ...(needsAttestation ? { attestation: opts.attestation!.trim() } : {}),
            ...(exceedsRpo(c) ? { acknowledgeDataLossBytes: opts.acknowledgeDataLossBytes } : {}),
          },
        });
        return { id: req.id, status, approvals: count, approvalsRequired: req.approvalsRequired };
      },
      { timeout: 20_000, maxWait: 30_000 },
    );
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict('you have already approved this promotion', { reason: 'ALREADY_APPROVED' });
    throw e;
  }
}
