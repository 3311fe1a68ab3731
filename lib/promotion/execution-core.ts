// What every execution shares (the failover executor execute-promotion.ts and the switchover executor
// execute-switchover.ts): options and outcomes, the claimed execution with its lease-guarded step records,
// the epoch claim by compare-and-set, completion and failure with their events and audit rows.
import { db } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import { systemActor, type TActor } from '@/lib/auth/actor';
import type { TFork } from './drivers';
import type { TVerdictSnapshot } from './snapshot';

/** fault injection points; `stop` and `catch-up` are a switchover's (execute-switchover.ts) */
export type TCrashPoint = 'claim-epoch' | 'fence' | 'promote-call' | 'stop' | 'catch-up';
export type TExecutorOptions = {
  executorId: string;
  leaseMs?: number;
  verifyTimeoutMs?: number;
  /** while a promote step is `unknown`: how soon the next run looks at the candidate's role again (ms) */
  promoteRecheckMs?: number;
  /** while a promote step is `unknown`: after how long the watch records that it is overdue (ms; the cluster stays blocked) */
  promoteOverdueMs?: number;
  /** WAL salvage: how long the candidate may stream missing WAL before promoting with what arrived (ms; default VAKT_SALVAGE_TIMEOUT_SECONDS) */
  salvageTimeoutMs?: number;
  /** switchover: how long the candidate may take to reach the stopped primary's final position (ms; default VAKT_SWITCHOVER_CATCHUP_SECONDS) */
  catchupTimeoutMs?: number;
  /** fault injection for tests: stop dead (no cleanup, lease left to expire) right after this point */
  crashAfter?: TCrashPoint;
};
/**
 * LOSS_GREW: the fresh loss outgrew the approvals; the request went back to PENDING (approvals lapsed).
 * PROMOTING: the promote step is `unknown` (the call ended without saying whether it finished) and the
 * candidate was not observed as the primary yet; the request stays EXECUTING and a later run looks again.
 * ROLLED_BACK: a switchover whose candidate did not catch up: the old primary runs as primary again (FAILED, nothing lost).
 * EXPIRED: a scheduled switchover that could not start in its window (nothing executed).
 */
export type TExecutionOutcome = { id: string; status: 'COMPLETED' | 'FAILED' | 'LEASE_LOST' | 'CRASHED' | 'LOSS_GREW' | 'PROMOTING' | 'ROLLED_BACK' | 'EXPIRED'; detail?: string };

export class ExecutorCrash extends Error {}

export class LeaseLost extends Error {}
export class StepFailed extends Error {
  constructor(readonly step: string, message: string) {
    super(message);
  }
}

export const DEFAULT_LEASE_MS = 60_000;
export const VERIFY_TIMEOUT_MS = 30_000;
export const PROMOTE_RECHECK_MS = 2_000;
export const actorFor = (automatic: boolean) => systemActor(automatic ? 'vakt-automatic' : 'vakt-executor');

export const loadRequest = (id: string) => db.promotionRequest.findUniqueOrThrow({ where: { id }, include: { steps: true, approvals: true, cluster: true } });

/** One claimed execution: the request as claimed, and the lease-guarded ways to record its steps. */
export type TExecution = {
  id: string;
  opts: TExecutorOptions;
  req: Awaited<ReturnType<typeof loadRequest>>;
  snap: TVerdictSnapshot;
  actor: TActor;
  /** renews the lease (LeaseLost when another executor holds it) */
  renew(): Promise<void>;
  /** renews the lease, then records a step */
  step(name: string, status: string, detail: string): Promise<void>;
  /** fault injection: stop dead here when the test asked for it */
  crashPoint(point: TCrashPoint, message: string): void;
};

/** Step 2: claim epoch N+1 by compare-and-set on the cluster row (a resumed execution reuses its claim). */
export async function claimEpoch({ id, opts, req, actor, step }: TExecution): Promise<number> {
  if (req.epochAfter !== null) {
    await step('claim-epoch', 'ok', `reusing the claimed epoch ${req.epochAfter}`);
    return req.epochAfter;
  }
  const next = req.epochBefore + 1;
  const won = await db.$transaction(async (tx) => {
    const n = await tx.$executeRaw`UPDATE "vakt"."Cluster" SET "epoch" = ${next} WHERE "id" = ${req.clusterId} AND "epoch" = ${req.epochBefore}`;
    if (n !== 1) return false;
    const mine = await tx.promotionRequest.updateMany({ where: { id, executorId: opts.executorId, status: 'EXECUTING' }, data: { epochAfter: next } });
    if (mine.count !== 1) throw new LeaseLost('lease lost before the epoch claim');
    await tx.promotionStep.create({ data: { promotionId: id, name: 'claim-epoch', status: 'ok', detail: `claimed epoch ${next} (was ${req.epochBefore})` } });
    await audit(tx, { actor, action: 'promotion.epoch_claimed', targetType: 'cluster', targetId: req.clusterId, before: { epoch: req.epochBefore }, after: { epoch: next, promotionId: id } });
    return true;
  });
  if (!won) throw new StepFailed('claim-epoch', `the cluster epoch is no longer ${req.epochBefore}: another promotion claimed it first`);
  return next;
}

/** Step 6: COMPLETED (only while this executor still holds the lease), the promotion event and the audit. */
/** `switchover`: a planned switchover's completion (its outcome, how the old primary ended, its own audit action). */
export async function complete({ id, opts, req, actor }: TExecution, epoch: number, oldPrimary: string | null, fork: TFork, switchover?: { oldPrimaryState: string; writeGapMs: number | null }): Promise<void> {
  await db.$transaction(async (tx) => {
    const n = await tx.promotionRequest.updateMany({ where: { id, executorId: opts.executorId, status: 'EXECUTING' }, data: { status: 'COMPLETED', finishedAt: new Date(), executorLeaseUntil: null, ...(switchover ? { outcome: 'switched' } : {}) } });
    if (n.count !== 1) throw new LeaseLost('lease lost before completion');
    await tx.promotionStep.create({ data: { promotionId: id, name: 'done', status: 'ok', detail: `${req.candidate} is the primary at epoch ${epoch}${switchover ? `; ${switchover.oldPrimaryState}` : ''}` } });
    const how = switchover ? `; planned switchover, write gap ${switchover.writeGapMs ?? '?'} ms, ${oldPrimary}: ${switchover.oldPrimaryState}` : oldPrimary ? `; ${oldPrimary} fenced or attested` : '';
    await tx.clusterEvent.create({ data: { clusterId: req.clusterId, memberName: req.candidate, kind: 'promotion', severity: 'warning', message: `${req.candidate} promoted at epoch ${epoch}${how}${req.automatic ? ' (automatic)' : ''}`, data: { promotionId: id, epoch, ...fork } } });
    const action = switchover ? 'switchover.completed' : req.automatic ? 'promotion.completed_automatic' : 'promotion.completed';
    await audit(tx, { actor, action, targetType: 'promotion', targetId: id, after: { candidate: req.candidate, epoch, oldPrimary, ...(switchover ?? {}) } });
  });
}

export async function failPromotion(id: string, executorId: string, stepName: string, message: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const n = await tx.promotionRequest.updateMany({ where: { id, executorId, status: 'EXECUTING' }, data: { status: 'FAILED', finishedAt: new Date(), executorLeaseUntil: null } });
    if (n.count !== 1) return;
    const req = await tx.promotionRequest.findUniqueOrThrow({ where: { id }, select: { clusterId: true, candidate: true, automatic: true, epochAfter: true } });
    await tx.promotionStep.create({ data: { promotionId: id, name: stepName, status: 'failed', detail: message } });
    await tx.clusterEvent.create({ data: { clusterId: req.clusterId, memberName: req.candidate, kind: 'promotion-failed', severity: 'error', message: `promotion of ${req.candidate} stopped at ${stepName}: ${message}`, data: { promotionId: id, epochAfter: req.epochAfter } } });
    await audit(tx, { actor: actorFor(req.automatic), action: 'promotion.failed', targetType: 'promotion', targetId: id, after: { step: stepName, message, epochAfter: req.epochAfter } });
  });
}

/** Keeps the request EXECUTING but lets the next run (any executor) pick it up after `ms`. */
export async function releaseFor({ id, opts }: TExecution, ms: number): Promise<void> {
  const n = await db.$executeRaw`UPDATE "vakt"."PromotionRequest" SET "executorLeaseUntil" = now() + make_interval(secs => ${ms / 1000}), "updatedAt" = now() WHERE "id" = ${id} AND "executorId" = ${opts.executorId} AND "status" = 'EXECUTING'`;
  if (n !== 1) throw new LeaseLost('lease lost');
}
