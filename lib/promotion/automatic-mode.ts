// Automatic mode: where every context in the cluster declares automatic failover and the best
// candidate stays SAFE for VAKT_AUTOMATIC_DELAY_SECONDS, the worker creates an automatic request that
// runs the same execution path (no approvals), audited as automatic. The "SAFE since" mark is a
// cluster event, so several workers agree on it and operators can see why it happened. The delay is
// measured in Vakt's database time (the mark's `at` is the database's now(), and so is `now` here).
// An automatic request that execution sent back to PENDING (LOSS_GREW: the loss outgrew the estimate
// automatic mode acted on) is approved again by automatic mode once the candidate stayed SAFE for the
// delay again, bound to the new estimate.
import { db, dbNow } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { audit } from '@/lib/audit/record';
import { systemActor } from '@/lib/auth/actor';
import { lockCluster } from './locks';
import { evaluateClusterNow, type TEvaluation } from '@/lib/safety/load-safety-input';
import { OPEN_STATUSES } from './rules';
import { observedLsnsOf, readSnapshot, snapshotOf } from './snapshot';
import { handleSplitBrain } from './split-brain';
import { inMaintenance } from './maintenance';

export const SAFE_SINCE_EVENT = 'safety.automatic_safe';
export const SAFE_ENDED_EVENT = 'safety.automatic_safe_ended';
export const AUTOMATIC_LABEL = 'vakt-automatic';

export const allAutomatic = (ev: TEvaluation) => ev.input.contexts.length > 0 && ev.input.contexts.every((c) => c.failover === 'automatic');

/** `at`: Vakt's database now (read here unless the caller has it; it should be the `now` `ev` was evaluated at). */
export async function considerAutomaticPromotion(ev: TEvaluation, at?: Date): Promise<string | null> {
  const now = at ?? (await dbNow());
  const clusterId = ev.cluster.id;
  const best = ev.report.candidates.find((c) => c.verdict === 'SAFE') ?? null;
  const last = await db.clusterEvent.findFirst({ where: { clusterId, kind: { in: [SAFE_SINCE_EVENT, SAFE_ENDED_EVENT] } }, orderBy: { id: 'desc' } });
  const mark = last?.kind === SAFE_SINCE_EVENT ? (last.data as { candidate?: string; epoch?: number } | null) : null;
  // maintenance mode (maintenance.ts) pauses automatic failover: no mark, no request
  const paused = await inMaintenance(clusterId, now);
  const eligible = !paused && allAutomatic(ev) && best !== null && ev.report.state === 'PRIMARY_DOWN';
  if (!eligible) {
    if (mark) await db.clusterEvent.create({ data: { clusterId, kind: SAFE_ENDED_EVENT, severity: 'info', message: 'No candidate is SAFE for automatic failover any more.' } });
    return null;
  }
  if (!mark || mark.candidate !== best.node || mark.epoch !== ev.report.epoch) {
    await db.clusterEvent.create({
      data: { clusterId, memberName: best.node, kind: SAFE_SINCE_EVENT, severity: 'warning', message: `${best.node} is SAFE for automatic failover; Vakt promotes it if it stays SAFE for ${env().VAKT_AUTOMATIC_DELAY_SECONDS} s.`, data: { candidate: best.node, epoch: ev.report.epoch } },
    });
    if (env().VAKT_AUTOMATIC_DELAY_SECONDS > 0) return null;
  } else if (now.getTime() - last!.at.getTime() < env().VAKT_AUTOMATIC_DELAY_SECONDS * 1000) {
    return null;
  }
  return db.$transaction(async (tx) => {
    const locked = await lockCluster(tx, clusterId);
    if (locked.epoch !== ev.report.epoch) return null;
    // maintenance set meanwhile (the cluster row lock orders it against PUT …/maintenance)
    if (await inMaintenance(clusterId, now, tx)) return null;
    const open = await tx.promotionRequest.findFirst({ where: { clusterId, status: { in: [...OPEN_STATUSES] } }, select: { id: true, status: true, automatic: true, candidate: true, epochBefore: true, verdict: true } });
    const snapshot = snapshotOf(ev, best);
    if (open) {
      // Approve again an automatic request that LOSS_GREW sent back to PENDING, bound to the new estimate.
      const previous = readSnapshot(open.verdict);
      if (!(open.automatic && open.status === 'PENDING' && previous.lossGrew && open.candidate === best.node && open.epochBefore === ev.report.epoch)) return null;
      await tx.promotionRequest.update({ where: { id: open.id }, data: { status: 'APPROVED', verdict: { ...snapshot, lossGrew: previous.lossGrew } as object, observedLsns: observedLsnsOf(ev, best) as object } });
      const detail = `automatic: ${best.node} stayed SAFE for ${env().VAKT_AUTOMATIC_DELAY_SECONDS} s again after LOSS_GREW; approved for an estimated loss of ${best.dataLoss.bytes ?? 'unknown'} bytes`;
      await tx.promotionStep.create({ data: { promotionId: open.id, name: 'approval', status: 'ok', detail } });
      await audit(tx, { actor: systemActor(AUTOMATIC_LABEL), action: 'promotion.approved_automatic', targetType: 'promotion', targetId: open.id, after: { cluster: ev.cluster.name, candidate: best.node, binding: snapshot.binding, estimatedBytes: best.dataLoss.bytes } });
      return open.id;
    }
    const req = await tx.promotionRequest.create({
      data: {
        clusterId,
        candidate: best.node,
        reason: `automatic failover: ${best.node} stayed SAFE for ${env().VAKT_AUTOMATIC_DELAY_SECONDS} s while the primary was down`,
        status: 'APPROVED',
        automatic: true,
        requestedById: null,
        requestedByLabel: AUTOMATIC_LABEL,
        epochBefore: ev.report.epoch,
        approvalsRequired: 0,
        verdict: snapshot as object,
        observedLsns: observedLsnsOf(ev, best) as object,
        expiresAt: new Date(now.getTime() + env().VAKT_APPROVAL_TTL_MINUTES * 60_000),
      },
    });
    await tx.promotionStep.create({ data: { promotionId: req.id, name: 'request', status: 'ok', detail: 'automatic: every context declares automatic failover and the verdict stayed SAFE' } });
    await audit(tx, { actor: systemActor(AUTOMATIC_LABEL), action: 'promotion.requested_automatic', targetType: 'promotion', targetId: req.id, after: { cluster: ev.cluster.name, candidate: best.node, binding: snapshot.binding } });
    return req.id;
  });
}

/** Evaluates one cluster for the worker at Vakt's database now: split brain first, then automatic mode. */
export async function scanCluster(clusterId: string): Promise<void> {
  const now = await dbNow();
  const ev = await evaluateClusterNow({ id: clusterId, now });
  await handleSplitBrain(clusterId, ev.report);
  if (ev.report.state !== 'SPLIT_BRAIN') await considerAutomaticPromotion(ev, now);
}
