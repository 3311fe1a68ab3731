import { db, dbNow } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { audit } from '@/lib/audit/record';
import type { TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { AppError, conflict, notFound } from '@/lib/base/errors';
import { lockCluster } from './locks';
import { evaluateClusterNow } from '@/lib/safety/load-safety-input';
import { approvalsRequiredForRequest, OPEN_STATUSES } from './rules';
import { findCandidate, observedLsnsOf, snapshotOf } from './snapshot';

export type TRequestPromotionResult = { id: string; status: 'PENDING' | 'APPROVED' };

/**
 * An operator asks to promote `candidate`. Evaluated now: BLOCKED and MANUAL are refused (409); one
 * open request per cluster (the cluster row lock serialises concurrent requests).
 */
export async function requestPromotion(opts: { actor: TActor; cluster: string; candidate: string; reason: string; now?: Date }): Promise<TRequestPromotionResult> {
  requireRole(opts.actor, 'operator');
  const found = await db.cluster.findUnique({ where: { name: opts.cluster }, select: { id: true } });
  if (!found) throw notFound(`cluster ${opts.cluster}`);
  return db.$transaction(
    async (tx) => {
      await lockCluster(tx, found.id);
      const open = await tx.promotionRequest.findFirst({ where: { clusterId: found.id, status: { in: [...OPEN_STATUSES] } }, select: { id: true, status: true } });
      if (open) throw conflict(`cluster ${opts.cluster} already has an open promotion request (${open.status})`, { promotionId: open.id });
      const now = opts.now ?? (await dbNow(tx));
      const ev = await evaluateClusterNow({ id: found.id, client: tx, now });
      const c = findCandidate(ev, opts.candidate);
      if (!c) {
        throw new AppError('VALIDATION', `${opts.candidate} is not a promotable member of ${opts.cluster}`, {
          fields: [{ path: 'candidate', message: `not a replica of ${opts.cluster}; candidates: ${ev.report.candidates.map((x) => x.node).join(', ') || 'none'}` }],
        });
      }
      if (c.verdict === 'BLOCKED') {
        throw conflict(`promoting ${c.node} is blocked: ${c.reasons.filter((r) => r.effect === 'block').map((r) => r.message).join(' ')}`, {
          verdict: c.verdict,
          reasons: c.reasons.map(({ code, message }) => ({ code, message })),
        });
      }
      if (c.verdict === 'MANUAL') {
        throw conflict(`failover of ${opts.cluster} is declared manual: follow the runbook; Vakt does not promote`, { verdict: c.verdict, runbook: c.runbook });
      }
      const approvalsRequired = approvalsRequiredForRequest(c);
      const expiresAt = new Date(now.getTime() + env().VAKT_APPROVAL_TTL_MINUTES * 60_000);
      const snapshot = snapshotOf(ev, c);
      const req = await tx.promotionRequest.create({
        data: {
          clusterId: found.id,
          candidate: c.node,
          reason: opts.reason,
          status: 'PENDING',
          automatic: false,
          requestedById: opts.actor.type === 'user' ? opts.actor.id : null,
          requestedByLabel: opts.actor.label,
          epochBefore: ev.cluster.epoch,
          approvalsRequired,
          verdict: snapshot as object,
          observedLsns: observedLsnsOf(ev, c) as object,
          expiresAt,
        },
      });
      await tx.promotionStep.create({ data: { promotionId: req.id, name: 'request', status: 'ok', detail: `${c.verdict}: ${approvalsRequired} approval(s) required; epoch ${ev.cluster.epoch}` } });
      await audit(tx, {
        actor: opts.actor,
        action: 'promotion.requested',
        targetType: 'promotion',
        targetId: req.id,
        after: { cluster: opts.cluster, candidate: c.node, reason: opts.reason, verdict: c.verdict, approvalsRequired, epoch: ev.cluster.epoch, binding: snapshot.binding },
      });
      return { id: req.id, status: 'PENDING' as const };
    },
    { timeout: 20_000, maxWait: 10_000 },
  );
}
