// The executor: the only code that promotes. It runs in the worker (no HTTP endpoint executes).
// Order (docs/safety.md, "Epochs and fencing"): re-evaluate on fresh data -> claim epoch N+1 by
// compare-and-set (the claim is the lock) -> fence the old primary with N+1 (or rely on the audited
// attestation when it is unreachable) -> decide on the exact loss the fence proved (LOSS_GREW beyond
// the approvals) -> salvage WAL the candidate lacks (./salvage.ts) -> promote with N+1 -> verify role
// and timeline -> re-point every other replica at the new primary (./repoint-replicas.ts). Every step is
// recorded; any failure stops in FAILED with the reason, except a promote call that ended without saying
// whether it finished: that step is `unknown`, the request stays EXECUTING (CANDIDATE_PROMOTING blocks
// every other promotion of the cluster) and later runs watch the candidate's observed role until it
// is the primary (then verify and complete). A resumed execution reuses its epoch and the
// drivers' idempotent fence/promote, so a crash never promotes twice. How a step talks to the cluster
// is its kind's driver (./drivers); the order, epoch, lease, step records and audit live here.
import { db, dbNow } from '@/lib/base/db';
import { sleep } from '@/lib/base/sleep';
import { audit } from '@/lib/audit/record';
import { env } from '@/lib/base/env';
import { lsnBytes, maxLsn } from '@/lib/pg';
import { evaluateCluster, type TCandidateVerdict, type TProvenFinalPosition, type TSafetyInput, type TSafetyReport } from '@/lib/safety/engine';
import { evaluateClusterNow, loadSafetyInput, type TLoadedCluster } from '@/lib/safety/load-safety-input';
import { approvalCounts, bindingChanges, readApprovalRecord } from './approval-binding';
import { driverFor, type TFork } from './drivers';
import type { TFenceResult } from './drivers/types';
import { lossGrewDetail, returnToPendingLossGrew } from './loss-grew';
import { approvedEstimate, checkLossGrowth, exceedsRpo, inputAfterFence, PROMOTE_OVERDUE_MS, promoteOverdue, type TLossCheck } from './rules';
import { repointOtherReplicas } from './repoint-replicas';
import { salvageWal } from './salvage';
import { executeSwitchover } from './execute-switchover';
import { isSwitchover } from './switchover-snapshot';
import { inMaintenance } from './maintenance';
import { findCandidate, readSnapshot, snapshotOf, type TVerdictSnapshot } from './snapshot';
import {
  actorFor,
  claimEpoch,
  complete,
  DEFAULT_LEASE_MS,
  ExecutorCrash,
  failPromotion,
  LeaseLost,
  loadRequest,
  PROMOTE_RECHECK_MS,
  releaseFor,
  StepFailed,
  VERIFY_TIMEOUT_MS,
  type TExecution,
  type TExecutionOutcome,
  type TExecutorOptions,
} from './execution-core';

export type { TExecutorOptions } from './execution-core';

class LossGrew extends Error {
  constructor(readonly check: Extract<TLossCheck, { proceed: false }>, readonly fresh: TVerdictSnapshot, readonly now: Date, readonly automatic: boolean) {
    super(check.message);
  }
}

/** Takes one APPROVED request (or an EXECUTING one whose lease expired) and executes it. Null when there is none. */
export async function runExecutorOnce(opts: TExecutorOptions): Promise<TExecutionOutcome | null> {
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const claimed = await db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string; status: string; executorId: string | null }[]>`
      SELECT "id", "status"::text AS status, "executorId" FROM "vakt"."PromotionRequest"
      WHERE ("status" = 'APPROVED' AND ("scheduledAt" IS NULL OR "scheduledAt" <= now())) OR ("status" = 'EXECUTING' AND ("executorLeaseUntil" IS NULL OR "executorLeaseUntil" < now()))
      ORDER BY "createdAt" LIMIT 1 FOR UPDATE SKIP LOCKED`;
    const row = rows[0];
    if (!row) return null;
    const resumed = row.status === 'EXECUTING';
    const watching = resumed && (await promoteStepStatus(tx, row.id)) === 'unknown';
    // The lease is in the database's time, as the takeover comparison above (never the app's clock).
    await tx.$executeRaw`UPDATE "vakt"."PromotionRequest" SET "status" = 'EXECUTING', "executorId" = ${opts.executorId}, "executorLeaseUntil" = now() + make_interval(secs => ${leaseMs / 1000}), "updatedAt" = now() WHERE "id" = ${row.id}`;
    // Watching a promote whose outcome is unknown is one look per run: not a new execution each time.
    if (watching) return row.id;
    await tx.promotionStep.create({
      data: { promotionId: row.id, name: 'execution', status: resumed ? 'resumed' : 'started', detail: resumed ? `resumed by ${opts.executorId} (the lease of ${row.executorId ?? 'a previous executor'} expired)` : `started by ${opts.executorId}` },
    });
    const req = await tx.promotionRequest.findUniqueOrThrow({ where: { id: row.id }, select: { automatic: true } });
    await audit(tx, { actor: actorFor(req.automatic), action: resumed ? 'promotion.execution_resumed' : 'promotion.execution_started', targetType: 'promotion', targetId: row.id, after: { executorId: opts.executorId } });
    return row.id;
  });
  if (!claimed) return null;
  return executeClaimed(claimed, opts);
}

/** The status of the latest `promote` step of a request (null: none). */
async function promoteStepStatus(client: Pick<typeof db, 'promotionStep'>, id: string): Promise<string | null> {
  const s = await client.promotionStep.findFirst({ where: { promotionId: id, name: 'promote' }, orderBy: { id: 'desc' }, select: { status: true } });
  return s?.status ?? null;
}


async function executeClaimed(id: string, opts: TExecutorOptions): Promise<TExecutionOutcome> {
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const renew = async () => {
    const n = await db.$executeRaw`UPDATE "vakt"."PromotionRequest" SET "executorLeaseUntil" = now() + make_interval(secs => ${leaseMs / 1000}), "updatedAt" = now() WHERE "id" = ${id} AND "executorId" = ${opts.executorId} AND "status" = 'EXECUTING'`;
    if (n !== 1) throw new LeaseLost('lease lost');
  };
  try {
    const req = await loadRequest(id);
    const x: TExecution = {
      id,
      opts,
      req,
      snap: readSnapshot(req.verdict),
      actor: actorFor(req.automatic),
      renew,
      async step(name, status, detail) {
        await renew();
        await db.promotionStep.create({ data: { promotionId: id, name, status, detail } });
      },
      crashPoint(point, message) {
        if (opts.crashAfter === point) throw new ExecutorCrash(message);
      },
    };
    // a planned switchover has its own steps (stop, catch-up, promote, follow, verify; or roll back)
    if (isSwitchover(req)) return await executeSwitchover(x);
    const oldPrimary = x.snap.primary?.node ?? null;
    const promoteAttempted = req.steps.some((s) => s.name === 'promote' && s.status === 'started');
    const promoteSteps = req.steps.filter((s) => s.name === 'promote').sort((a, b) => (a.id < b.id ? -1 : 1));
    const unknownSince = promoteSteps.at(-1)?.status === 'unknown' ? promoteSteps.at(-1)!.at : null;
    let cluster: TLoadedCluster;
    let epoch: number;

    if (!promoteAttempted) {
      // 1. evaluate on fresh observations
      cluster = await evaluate(x);
      // 2. claim epoch N+1 by compare-and-set
      epoch = await claimEpoch(x);
      x.crashPoint('claim-epoch', 'crash after claim-epoch');
      // 3. fence the old primary with N+1
      const fenced = await fence(x, cluster, oldPrimary, epoch);
      x.crashPoint('fence', 'crash after fence');
      // 3a. decide on the exact loss the fence proved (LOSS_GREW beyond the approvals), 3b. salvage WAL
      const exact = await decideOnExactLoss(x, oldPrimary, fenced.finalPosition ?? null, epoch);
      if (exact) await salvage(x, exact, epoch);
      await x.step('promote', 'started', `promoting ${req.candidate} with epoch ${epoch}`);
    } else {
      // resumed after the promote call: the epoch is claimed and the old primary dealt with
      cluster = (await evaluateClusterNow({ id: req.clusterId })).cluster;
      if (req.epochAfter === null) throw new StepFailed('promote', 'a promote was started without an epoch claim');
      epoch = req.epochAfter;
    }
    const driver = driverFor(cluster.kind);

    // 4. promote with N+1 (idempotent for the same epoch: the driver checks what an earlier attempt did)
    const candidate = cluster.members.find((m) => m.name === req.candidate);
    if (!candidate) throw new StepFailed('promote', `${req.candidate} is not a member any more`);
    const oldTimeline = x.snap.binding.candidateTimeline ?? x.snap.primary?.timeline ?? null;
    const fork: TFork = { forkLsn: null, previousTimeline: oldTimeline, newTimeline: null };
    if (unknownSince) return await watchPromote(x, driver, candidate, oldTimeline, fork, unknownSince, epoch, oldPrimary);
    const promoted = await driver.promote({
      cluster,
      candidate,
      epoch,
      oldTimeline,
      fork,
      resumed: promoteAttempted,
      afterCall: () => x.crashPoint('promote-call', 'crash after the promote call'),
    });
    if (!promoted.ok && promoted.unknown) {
      // PostgreSQL may go on promoting: never FAILED (a later request would fence only the old primary).
      await x.step('promote', 'unknown', `${promoted.message}; every other promotion of the cluster is blocked (CANDIDATE_PROMOTING) until ${req.candidate}'s role is observed`);
      await releaseFor(x, opts.promoteRecheckMs ?? PROMOTE_RECHECK_MS);
      return { id, status: 'PROMOTING', detail: promoted.message };
    }
    if (!promoted.ok) throw new StepFailed('promote', promoted.message);
    await x.step('promote', 'ok', promoted.detail);
    return await verifyAndComplete(x, driver, candidate, oldTimeline, promoted.fork, epoch, oldPrimary);
  } catch (e) {
    if (e instanceof ExecutorCrash) return { id, status: 'CRASHED', detail: e.message };
    if (e instanceof LeaseLost) return { id, status: 'LEASE_LOST', detail: e.message };
    if (e instanceof LossGrew) {
      const held = await returnToPendingLossGrew({ id, executorId: opts.executorId, actor: actorFor(e.automatic), check: e.check, fresh: e.fresh, now: e.now });
      return held ? { id, status: 'LOSS_GREW', detail: lossGrewDetail(e.check) } : { id, status: 'LEASE_LOST', detail: 'lease lost before returning to PENDING' };
    }
    const stepName = e instanceof StepFailed ? e.step : 'execution';
    const message = e instanceof StepFailed ? e.message : `unexpected error: ${(e as Error).message}`;
    await failPromotion(id, opts.executorId, stepName, message);
    return { id, status: 'FAILED', detail: message };
  }
}

/** Steps 5 and 6: verify role and timeline, then COMPLETED, the promotion event (with the fork point) and the audit. */
async function verifyAndComplete(
  x: TExecution,
  driver: ReturnType<typeof driverFor>,
  candidate: TLoadedCluster['members'][number],
  oldTimeline: number | null,
  fork: TFork,
  epoch: number,
  oldPrimary: string | null,
): Promise<TExecutionOutcome> {
  const verified = await driver.verify({
    candidate,
    oldTimeline,
    fork,
    deadline: Date.now() + (x.opts.verifyTimeoutMs ?? VERIFY_TIMEOUT_MS),
    wait: async () => {
      await x.renew();
      await sleep(500);
    },
  });
  if (!verified.ok) throw new StepFailed('verify', `${x.req.candidate} did not show up as the new primary in time (${verified.seen})`);
  await x.step('verify', 'ok', verified.detail);
  const { cluster } = await loadSafetyInput({ id: x.req.clusterId });
  await repointOtherReplicas(x, { cluster, newPrimary: candidate, oldPrimary, epoch, timeline: verified.fork.newTimeline });
  await complete(x, epoch, oldPrimary, verified.fork);
  return { id: x.id, status: 'COMPLETED' };
}

/**
 * A promote step `unknown`: one look at the candidate's observed role. The primary on a newer timeline:
 * the promote step completes on what was observed, then verify and complete. Otherwise the request
 * stays EXECUTING (the cluster stays blocked, CANDIDATE_PROMOTING); past the overdue bound the watch
 * says so once. Never a second promote call, never FAILED on a guess.
 */
async function watchPromote(
  x: TExecution,
  driver: ReturnType<typeof driverFor>,
  candidate: TLoadedCluster['members'][number],
  oldTimeline: number | null,
  fork: TFork,
  since: Date,
  epoch: number,
  oldPrimary: string | null,
): Promise<TExecutionOutcome> {
  const seen = await driver.verify({ candidate, oldTimeline, fork, deadline: 0, wait: async () => {} });
  if (seen.ok) {
    await x.step('promote', 'ok', `observed after the unknown promote: ${seen.detail}`);
    return verifyAndComplete(x, driver, candidate, oldTimeline, seen.fork, epoch, oldPrimary);
  }
  const now = await dbNow();
  const bound = x.opts.promoteOverdueMs ?? PROMOTE_OVERDUE_MS;
  if (promoteOverdue(since.getTime(), now.getTime(), bound) && !x.req.steps.some((s) => s.name === 'promote-watch' && s.status === 'overdue')) {
    await x.step(
      'promote-watch',
      'overdue',
      `${x.req.candidate} is still not the primary ${Math.round((now.getTime() - since.getTime()) / 1000)} s after the promote call (${seen.seen}); it may still promote, so every other promotion of the cluster stays blocked (CANDIDATE_PROMOTING). Check its recovery on the host.`,
    );
  }
  await releaseFor(x, x.opts.promoteRecheckMs ?? PROMOTE_RECHECK_MS);
  return { id: x.id, status: 'PROMOTING', detail: `${x.req.candidate} not observed as the primary yet (${seen.seen})` };
}


/**
 * Step 1: the request still holds on fresh observations (same binding, verdict, approvals, loss,
 * attestation), judged at Vakt's database now. The loss rule (rules.ts checkLossGrowth) is the same
 * for approved and automatic requests: beyond it the request goes back to PENDING (LOSS_GREW), or,
 * when a resumed execution already holds the claimed epoch, stops in FAILED.
 */
async function evaluate({ req, snap, step }: TExecution): Promise<TLoadedCluster> {
  const epoch = req.epochAfter;
  const fenceDone = req.steps.some((s) => s.name === 'fence' && s.status === 'ok');
  const now = await dbNow();
  const ev = await evaluateClusterNow({ id: req.clusterId, now });
  const c = findCandidate(ev, req.candidate);
  if (!c) throw new StepFailed('evaluate', `${req.candidate} is no longer a candidate`);
  if (ev.report.state === 'SPLIT_BRAIN') throw new StepFailed('evaluate', 'split brain detected: every promotion in this cluster is blocked');
  const fresh = snapshotOf(ev, c).binding;
  // A resumed execution already holds epoch N+1 (and may have fenced): compare against that.
  const bound = epoch === null ? snap.binding : { ...snap.binding, epoch, requiresAttestation: fenceDone ? fresh.requiresAttestation : snap.binding.requiresAttestation };
  const changes = bindingChanges(bound, fresh);
  if (changes.length) throw new StepFailed('evaluate', `the verdict got worse since approval: ${changes.join('; ')}`);
  if (c.verdict === 'BLOCKED' || c.verdict === 'MANUAL') throw new StepFailed('evaluate', `verdict is now ${c.verdict}: ${c.reasons.map((r) => r.message).join(' ')}`);
  if (req.automatic && c.verdict !== 'SAFE') throw new StepFailed('evaluate', `automatic promotion needs SAFE; the verdict is ${c.verdict}`);
  if (req.automatic && epoch === null && (await inMaintenance(req.clusterId, now))) throw new StepFailed('evaluate', 'the cluster is in maintenance: automatic failover is paused');
  const counting = req.approvals.filter((a) => approvalCounts(a, now));
  if (!req.automatic) {
    if (epoch === null && counting.length < req.approvalsRequired) throw new StepFailed('evaluate', `only ${counting.length} of ${req.approvalsRequired} approvals are still valid`);
  }
  const loss = checkLossGrowth({ approvedBytes: approvedBytesOf(req, snap, now), acknowledgedBytes: req.acknowledgeDataLossBytes, freshBytes: c.dataLoss.bytes });
  if (!loss.proceed) {
    if (epoch !== null) throw new StepFailed('evaluate', `${lossGrewDetail(loss).replace(/; the approvals lapsed: approve again$/, '')}; the epoch is already claimed, so the request cannot return to PENDING: request again`);
    throw new LossGrew(loss, snapshotOf(ev, c), now, req.automatic);
  }
  if (exceedsRpo(c) && req.acknowledgeDataLossBytes === null) {
    throw new StepFailed('evaluate', `the estimated loss (${c.dataLoss.bytes ?? 'unknown'} bytes) exceeds the RPO bound and nobody acknowledged it`);
  }
  if (c.requiresAttestation && !fenceDone && !req.attestation) throw new StepFailed('evaluate', 'the old primary cannot be fenced by Vakt and nobody attested it is fenced');
  await step('evaluate', 'ok', `${c.verdict} on observations of ${ev.report.evaluatedAt}; estimated loss ${c.dataLoss.bytes ?? 'unknown'} bytes, worst case ${c.dataLoss.worstCaseSeconds ?? 'unknown'} s`);
  return ev.cluster;
}

/** The estimate the approvals were given (automatic: the one automatic mode acted on), to hold a fresh loss against. */
function approvedBytesOf(req: TExecution['req'], snap: TVerdictSnapshot, now: Date): number | null {
  const requestEstimate = snap.candidate.dataLoss.bytes;
  if (req.automatic) return requestEstimate;
  return approvedEstimate(req.approvals.filter((a) => approvalCounts(a, now)).map((a) => readApprovalRecord(a.observedLsns)), requestEstimate);
}

type TExactLoss = { cluster: TLoadedCluster; input: TSafetyInput; report: TSafetyReport; candidate: TCandidateVerdict; now: Date };

/**
 * Step 3a: the fence stopped the old primary and its agent proved where its WAL ends: re-evaluate with
 * that (the window closed, the loss exact) and hold it against the approvals. Loss beyond them: the
 * approvals lapse (LOSS_GREW, back to PENDING; the claimed epoch is reused on re-approval). Null when
 * the fence proved no final position (an older agent, Patroni, an attested old primary): the estimate
 * the approvals were given stands, and there is no salvage.
 */
async function decideOnExactLoss(x: TExecution, oldPrimary: string | null, finalPosition: TProvenFinalPosition | null, epoch: number): Promise<TExactLoss | null> {
  if (!oldPrimary || !finalPosition) return null;
  const now = await dbNow();
  const loaded = await loadSafetyInput({ id: x.req.clusterId, now });
  const input = inputAfterFence(loaded.input, { oldPrimary, finalPosition, epoch, now });
  const report = evaluateCluster(input);
  const c = report.candidates.find((k) => k.node === x.req.candidate);
  if (!c) throw new StepFailed('exact-loss', `${x.req.candidate} is no longer a candidate`);
  const approvedBytes = approvedBytesOf(x.req, x.snap, now);
  const check = checkLossGrowth({ approvedBytes, acknowledgedBytes: x.req.acknowledgeDataLossBytes, freshBytes: c.dataLoss.bytes });
  if (!check.proceed) throw new LossGrew(check, snapshotOf({ cluster: loaded.cluster, input, report }, c), now, x.req.automatic);
  await x.step(
    'exact-loss',
    'ok',
    `${c.dataLoss.basis === 'proven-final' ? 'exact' : 'estimated'} loss for ${x.req.candidate}: ${c.dataLoss.bytes ?? 'unknown'} bytes (${finalPosition.proof}); approved for ${approvedBytes ?? 'unknown'} bytes`,
  );
  return { cluster: loaded.cluster, input, report, candidate: c, now };
}

/**
 * Step 3b: WAL salvage (./salvage.ts) when the exact evaluation found a source for WAL the candidate
 * lacks. Its own step (bytes brought over, time taken). Run out of time or failed: promote with what
 * arrived only while that loss is within the approvals; otherwise LOSS_GREW.
 */
async function salvage(x: TExecution, exact: TExactLoss, epoch: number): Promise<void> {
  const plan = exact.candidate.salvage;
  if (!plan.possible) {
    if (exact.candidate.dataLoss.bytes) await x.step('salvage', 'skipped', plan.reason);
    return;
  }
  const candidate = exact.cluster.members.find((m) => m.name === x.req.candidate)!;
  const address = exact.input.members.find((m) => m.name === plan.source)?.observation?.replicationAddress ?? null;
  if (!address) {
    await x.step('salvage', 'skipped', `${plan.source} reports no replication address`);
    return;
  }
  await x.step('salvage', 'started', `${plan.reason} (expected about ${plan.expectedSeconds ?? '?'} s)`);
  const r = await salvageWal({
    promotionId: x.id,
    cluster: exact.cluster,
    candidate,
    plan,
    address,
    epoch,
    timeoutMs: x.opts.salvageTimeoutMs ?? env().VAKT_SALVAGE_TIMEOUT_SECONDS * 1000,
    wait: async () => {
      await x.renew();
      await sleep(250);
    },
  });
  if (r.outcome === 'done') {
    await x.step('salvage', 'ok', r.detail);
    return;
  }
  // what the candidate lacks now: the most advanced position known minus where it got to
  const lossNow = lsnBytes(exact.candidate.dataLoss.referenceLsn, maxLsn([r.candidateLsn, exact.candidate.dataLoss.candidateLsn]));
  const now = await dbNow();
  const check = checkLossGrowth({ approvedBytes: approvedBytesOf(x.req, x.snap, now), acknowledgedBytes: x.req.acknowledgeDataLossBytes, freshBytes: lossNow === null ? null : Math.max(0, lossNow) });
  await x.step('salvage', r.outcome, `${r.detail}; the loss now is ${lossNow ?? 'unknown'} bytes${check.proceed ? ', within the approvals: promoting with what arrived' : ''}`);
  if (!check.proceed) throw new LossGrew(check, snapshotOf({ cluster: exact.cluster, input: exact.input, report: exact.report }, exact.candidate), now, x.req.automatic);
}


/** Step 3: fence the old primary with N+1 through the cluster kind's driver; an attestation that stands in is audited. */
async function fence({ id, req, actor, step }: TExecution, cluster: TLoadedCluster, oldPrimary: string | null, epoch: number): Promise<Extract<TFenceResult, { ok: true }>> {
  const r = await driverFor(cluster.kind).fence({ promotionId: id, cluster, oldPrimary, candidate: req.candidate, epoch, attestation: req.attestation });
  if (!r.ok) throw new StepFailed('fence', r.message);
  await step('fence', 'ok', r.detail);
  if (r.attested) {
    const { oldPrimary: attestedPrimary, error } = r.attested;
    await db.$transaction((tx) => audit(tx, { actor, action: 'promotion.fence_attested', targetType: 'promotion', targetId: id, after: { oldPrimary: attestedPrimary, attestation: req.attestation, error } }));
  }
  return r;
}


