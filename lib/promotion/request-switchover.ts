// POST /api/v1/clusters/{name}/switchovers (issue 15): an operator asks to move the primary of a healthy
// cluster to `candidate`. A request of kind `switchover` in the promotions list, judged by the engine's
// switchover verdict (BLOCKED and MANUAL refused), approved, rejected and cancelled like any promotion,
// with the declarations' approvals. `scheduledAt`: the worker does not start it before then, and it (with
// its approvals) expires at the end of its window (VAKT_SWITCHOVER_WINDOW_MINUTES); at the start the
// verdict is evaluated again. One open request per cluster.
import { db, dbNow } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { audit } from '@/lib/audit/record';
import type { TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { AppError, conflict, notFound } from '@/lib/base/errors';
import { evaluateClusterNow } from '@/lib/safety/load-safety-input';
import { lockCluster } from './locks';
import { approvalsRequiredForRequest, OPEN_STATUSES } from './rules';
import { observedLsnsOf } from './snapshot';
import { findSwitchoverCandidate, SWITCHOVER, switchoverSnapshotOf } from './switchover-snapshot';

export type TRequestSwitchoverResult = { id: string; status: 'PENDING'; scheduledAt: string | null; windowEnd: string | null };

export async function requestSwitchover(opts: { actor: TActor; cluster: string; candidate: string; reason: string; scheduledAt?: Date; now?: Date }): Promise<TRequestSwitchoverResult> {
  requireRole(opts.actor, 'operator');
  const found = await db.cluster.findUnique({ where: { name: opts.cluster }, select: { id: true } });
  if (!found) throw notFound(`cluster ${opts.cluster}`);
  return db.$transaction(
    async (tx) => {
      await lockCluster(tx, found.id);
      const open = await tx.promotionRequest.findFirst({ where: { clusterId: found.id, status: { in: [...OPEN_STATUSES] } }, select: { id: true, status: true } });
      if (open) throw conflict(`cluster ${opts.cluster} already has an open promotion request (${open.status})`, { promotionId: open.id });
      const now = opts.now ?? (await dbNow(tx));
      if (opts.scheduledAt && opts.scheduledAt.getTime() < now.getTime() - 60_000) {
        throw new AppError('VALIDATION', 'scheduledAt lies in the past', { fields: [{ path: 'scheduledAt', message: `must be now or later (Vakt's clock: ${now.toISOString()})` }] });
      }
      const ev = await evaluateClusterNow({ id: found.id, client: tx, now });
      const c = findSwitchoverCandidate(ev, opts.candidate);
      if (!c) {
        throw new AppError('VALIDATION', `${opts.candidate} is not a replica of ${opts.cluster}`, {
          fields: [{ path: 'candidate', message: `candidates: ${ev.report.switchover?.candidates.map((x) => x.node).join(', ') || 'none'}` }],
        });
      }
      const details = { verdict: c.verdict, reasons: c.reasons.map(({ code, message }) => ({ code, message })) };
      if (c.verdict === 'BLOCKED') throw conflict(`a switchover to ${c.node} is blocked: ${c.reasons.filter((r) => r.effect === 'block').map((r) => r.message).join(' ')}`, details);
      if (c.verdict === 'MANUAL') throw conflict(`failover of ${opts.cluster} is declared manual: Vakt does not move its primary; follow the runbook`, details);
      const approvalsRequired = approvalsRequiredForRequest(c);
      const windowEnd = opts.scheduledAt ? new Date(opts.scheduledAt.getTime() + env().VAKT_SWITCHOVER_WINDOW_MINUTES * 60_000) : null;
      const expiresAt = windowEnd ?? new Date(now.getTime() + env().VAKT_APPROVAL_TTL_MINUTES * 60_000);
      const snapshot = switchoverSnapshotOf(ev, c);
      const req = await tx.promotionRequest.create({
        data: {
          clusterId: found.id,
          kind: SWITCHOVER,
          candidate: c.node,
          reason: opts.reason,
          status: 'PENDING',
          requestedById: opts.actor.type === 'user' ? opts.actor.id : null,
          requestedByLabel: opts.actor.label,
          epochBefore: ev.cluster.epoch,
          approvalsRequired,
          verdict: snapshot as object,
          observedLsns: observedLsnsOf(ev, snapshot.candidate) as object,
          lagAtStartBytes: c.lagBytes,
          scheduledAt: opts.scheduledAt ?? null,
          windowEnd,
          expiresAt,
        },
      });
      const when = opts.scheduledAt ? `scheduled for ${opts.scheduledAt.toISOString()} (window until ${windowEnd!.toISOString()})` : 'as soon as approved';
      await tx.promotionStep.create({ data: { promotionId: req.id, name: 'request', status: 'ok', detail: `switchover ${ev.report.switchover?.primary ?? '?'} -> ${c.node}, ${when}: ${c.verdict}, ${approvalsRequired} approval(s) required; epoch ${ev.cluster.epoch}; lag ${c.lagBytes ?? 'unknown'} bytes` } });
      await audit(tx, {
        actor: opts.actor,
        action: 'switchover.requested',
        targetType: 'promotion',
        targetId: req.id,
        after: { cluster: opts.cluster, candidate: c.node, reason: opts.reason, verdict: c.verdict, approvalsRequired, epoch: ev.cluster.epoch, scheduledAt: opts.scheduledAt?.toISOString() ?? null, binding: snapshot.binding },
      });
      return { id: req.id, status: 'PENDING' as const, scheduledAt: opts.scheduledAt?.toISOString() ?? null, windowEnd: windowEnd?.toISOString() ?? null };
    },
    { timeout: 20_000, maxWait: 10_000 },
  );
}
