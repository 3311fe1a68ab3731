// The executor: the only code that promotes. It runs in the worker (no HTTP endpoint executes).
// Order (PRODUCT.md "Epochs and fencing"): re-evaluate on fresh data -> claim epoch N+1 by
// compare-and-set (the claim is the lock) -> fence the old primary with N+1 (or rely on the audited
// attestation when it is unreachable) -> promote with N+1 -> verify role and timeline. Every step is
// recorded; any failure stops in FAILED with the reason. A resumed execution reuses its epoch and the
// agents' idempotent fence/promote, so a crash never promotes twice.
import { db } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import { systemActor } from '@/lib/auth/actor';
import { bindingChanges } from './approval-binding';
import { fenceMember, memberStatus, patroniFailover, patroniFork, patroniLeader, promoteMember } from './drivers/vakt-agent';
import { evaluateClusterNow, type TLoadedCluster, type TLoadedMember } from '@/lib/safety/load-safety-input';
import { exceedsRpo, findCandidate, readSnapshot, snapshotOf } from './snapshot';

export type TCrashPoint = 'claim-epoch' | 'fence' | 'promote-call';
export type TExecutorOptions = {
  executorId: string;
  leaseMs?: number;
  verifyTimeoutMs?: number;
  /** fault injection for tests: stop dead (no cleanup, lease left to expire) right after this point */
  crashAfter?: TCrashPoint;
};
export type TExecutionOutcome = { id: string; status: 'COMPLETED' | 'FAILED' | 'LEASE_LOST' | 'CRASHED'; detail?: string };

export class ExecutorCrash extends Error {}
class LeaseLost extends Error {}
class StepFailed extends Error {
  constructor(readonly step: string, message: string) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DEFAULT_LEASE_MS = 60_000;
const PATRONI_HISTORY_WAIT_MS = 10_000;
const actor = (automatic: boolean) => systemActor(automatic ? 'vakt-automatic' : 'vakt-executor');

/** Takes one APPROVED request (or an EXECUTING one whose lease expired) and executes it. Null when there is none. */
export async function runExecutorOnce(opts: TExecutorOptions): Promise<TExecutionOutcome | null> {
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const claimed = await db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string; status: string; executorId: string | null }[]>`
      SELECT "id", "status"::text AS status, "executorId" FROM "vakt"."PromotionRequest"
      WHERE "status" = 'APPROVED' OR ("status" = 'EXECUTING' AND ("executorLeaseUntil" IS NULL OR "executorLeaseUntil" < now()))
      ORDER BY "createdAt" LIMIT 1 FOR UPDATE SKIP LOCKED`;
    const row = rows[0];
    if (!row) return null;
    const resumed = row.status === 'EXECUTING';
    await tx.promotionRequest.update({
      where: { id: row.id },
      data: { status: 'EXECUTING', executorId: opts.executorId, executorLeaseUntil: new Date(Date.now() + leaseMs) },
    });
    await tx.promotionStep.create({
      data: { promotionId: row.id, name: 'execution', status: resumed ? 'resumed' : 'started', detail: resumed ? `resumed by ${opts.executorId} (the lease of ${row.executorId ?? 'a previous executor'} expired)` : `started by ${opts.executorId}` },
    });
    const req = await tx.promotionRequest.findUniqueOrThrow({ where: { id: row.id }, select: { automatic: true } });
    await audit(tx, { actor: actor(req.automatic), action: resumed ? 'promotion.execution_resumed' : 'promotion.execution_started', targetType: 'promotion', targetId: row.id, after: { executorId: opts.executorId } });
    return row.id;
  });
  if (!claimed) return null;
  return executeClaimed(claimed, opts);
}

async function executeClaimed(id: string, opts: TExecutorOptions): Promise<TExecutionOutcome> {
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const renew = async () => {
    const n = await db.promotionRequest.updateMany({
      where: { id, executorId: opts.executorId, status: 'EXECUTING' },
      data: { executorLeaseUntil: new Date(Date.now() + leaseMs) },
    });
    if (n.count !== 1) throw new LeaseLost('lease lost');
  };
  const step = async (name: string, status: string, detail: string) => {
    await renew();
    await db.promotionStep.create({ data: { promotionId: id, name, status, detail } });
  };
  try {
    const req = await db.promotionRequest.findUniqueOrThrow({ where: { id }, include: { steps: true, approvals: true, cluster: true } });
    const snap = readSnapshot(req.verdict);
    const oldPrimary = snap.primary?.node ?? null;
    const promoteAttempted = req.steps.some((s) => s.name === 'promote' && s.status === 'started');
    const fenceDone = req.steps.some((s) => s.name === 'fence' && s.status === 'ok');
    let epoch = req.epochAfter;
    let cluster: TLoadedCluster;

    if (!promoteAttempted) {
      // 1. evaluate on fresh observations
      const ev = await evaluateClusterNow({ id: req.clusterId });
      cluster = ev.cluster;
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
      if (!req.automatic) {
        const valid = req.approvals.filter((a) => a.expiresAt > new Date()).length;
        if (epoch === null && valid < req.approvalsRequired) throw new StepFailed('evaluate', `only ${valid} of ${req.approvalsRequired} approvals are still valid`);
      }
      if (exceedsRpo(c) && (req.acknowledgeDataLossBytes === null || c.dataLoss.bytes === null || c.dataLoss.bytes > req.acknowledgeDataLossBytes)) {
        throw new StepFailed('evaluate', `the estimated loss (${c.dataLoss.bytes ?? 'unknown'} bytes) exceeds the acknowledged ${req.acknowledgeDataLossBytes ?? 'none'} bytes`);
      }
      if (c.requiresAttestation && !fenceDone && !req.attestation) throw new StepFailed('evaluate', 'the old primary cannot be fenced by Vakt and nobody attested it is fenced');
      await step('evaluate', 'ok', `${c.verdict} on observations of ${ev.report.evaluatedAt}; estimated loss ${c.dataLoss.bytes ?? 'unknown'} bytes, worst case ${c.dataLoss.worstCaseSeconds ?? 'unknown'} s`);

      // 2. claim epoch N+1 by compare-and-set
      if (epoch === null) {
        const next = req.epochBefore + 1;
        const won = await db.$transaction(async (tx) => {
          const n = await tx.$executeRaw`UPDATE "vakt"."Cluster" SET "epoch" = ${next} WHERE "id" = ${req.clusterId} AND "epoch" = ${req.epochBefore}`;
          if (n !== 1) return false;
          const mine = await tx.promotionRequest.updateMany({ where: { id, executorId: opts.executorId, status: 'EXECUTING' }, data: { epochAfter: next } });
          if (mine.count !== 1) throw new LeaseLost('lease lost before the epoch claim');
          await tx.promotionStep.create({ data: { promotionId: id, name: 'claim-epoch', status: 'ok', detail: `claimed epoch ${next} (was ${req.epochBefore})` } });
          await audit(tx, { actor: actor(req.automatic), action: 'promotion.epoch_claimed', targetType: 'cluster', targetId: req.clusterId, before: { epoch: req.epochBefore }, after: { epoch: next, promotionId: id } });
          return true;
        });
        if (!won) throw new StepFailed('claim-epoch', `the cluster epoch is no longer ${req.epochBefore}: another promotion claimed it first`);
        epoch = next;
      } else {
        await step('claim-epoch', 'ok', `reusing the claimed epoch ${epoch}`);
      }
      if (opts.crashAfter === 'claim-epoch') throw new ExecutorCrash('crash after claim-epoch');

      // 3. fence the old primary with N+1
      if (cluster.kind === 'patroni') {
        await step('fence', 'ok', `Patroni's leader lock fences ${oldPrimary ?? 'the old leader'}`);
      } else if (!oldPrimary) {
        throw new StepFailed('fence', 'no old primary is known, so it cannot be fenced');
      } else {
        const member = cluster.members.find((m) => m.name === oldPrimary);
        if (!member) throw new StepFailed('fence', `old primary ${oldPrimary} is not a member any more`);
        const r = await fenceMember(member, epoch, `vakt promotion ${id}: ${req.candidate} becomes primary at epoch ${epoch}`);
        if (r.ok) {
          await step('fence', 'ok', `${oldPrimary} fenced with epoch ${epoch}: ${r.result.detail ?? (r.result.alreadyDone ? 'already fenced' : 'fenced')}`);
        } else if (!r.reachable && req.attestation) {
          await step('fence', 'ok', `${oldPrimary} unreachable (${r.message}); relying on the operators' attestation "${req.attestation}"`);
          await db.$transaction((tx) =>
            audit(tx, { actor: actor(req.automatic), action: 'promotion.fence_attested', targetType: 'promotion', targetId: id, after: { oldPrimary, attestation: req.attestation, error: r.message } }),
          );
        } else {
          throw new StepFailed('fence', `fencing ${oldPrimary} failed (${r.code}${r.status ? ` ${r.status}` : ''}): ${r.message}`);
        }
      }
      if (opts.crashAfter === 'fence') throw new ExecutorCrash('crash after fence');
      await step('promote', 'started', `promoting ${req.candidate} with epoch ${epoch}`);
    } else {
      cluster = (await evaluateClusterNow({ id: req.clusterId })).cluster;
      if (epoch === null) throw new StepFailed('promote', 'a promote was started without an epoch claim');
    }

    // 4. promote with N+1 (idempotent on the agent for the same epoch)
    const candidate = cluster.members.find((m) => m.name === req.candidate) as TLoadedMember | undefined;
    if (!candidate) throw new StepFailed('promote', `${req.candidate} is not a member any more`);
    const oldTimeline = snap.binding.candidateTimeline ?? snap.primary?.timeline ?? null;
    // Where the new timeline forked off the old one: replicas left on the old timeline at or before it
    // only need repointing (lib/safety NEEDS_REPOINT). Recorded on the promotion event; null = unknown.
    const fork: { forkLsn: string | null; previousTimeline: number | null; newTimeline: number | null } = { forkLsn: null, previousTimeline: oldTimeline, newTimeline: null };
    if (cluster.kind === 'patroni') {
      // Patroni's POST /failover is not idempotent: repeated for a candidate that already leads, Patroni 3.0
      // answers 503 "Failover failed". So a resumed execution (or a failover whose result Patroni did not
      // wait for) first asks /cluster whether the candidate already leads on a newer timeline.
      const leadsAlready = async () => {
        const s = await patroniLeader(candidate);
        return s?.leader === req.candidate && (oldTimeline === null || s.timeline === null || s.timeline > oldTimeline) ? s : null;
      };
      const before = promoteAttempted ? await leadsAlready() : null;
      if (before) {
        await step('promote', 'ok', `${req.candidate} already leads on timeline ${before.timeline ?? 'unknown'} (already done by an earlier attempt)`);
      } else {
        const via = [candidate, ...cluster.members.filter((m) => m !== candidate)];
        let last = '';
        let done = false;
        for (const m of via) {
          const r = await patroniFailover(m, req.candidate);
          if (opts.crashAfter === 'promote-call') throw new ExecutorCrash('crash after the promote call');
          if (r.ok) {
            done = true;
            await step('promote', 'ok', `Patroni failover to ${req.candidate} accepted via ${m.name}: ${r.message}`);
            break;
          }
          last = `${m.name}: ${r.status ?? ''} ${r.message}`;
          if (await leadsAlready()) {
            done = true;
            await step('promote', 'ok', `${req.candidate} leads after the failover request although Patroni answered ${last}`);
            break;
          }
        }
        if (!done) throw new StepFailed('promote', `Patroni refused the failover: ${last}`);
      }
    } else {
      const r = await promoteMember(candidate, epoch);
      if (opts.crashAfter === 'promote-call') throw new ExecutorCrash('crash after the promote call');
      if (!r.ok) throw new StepFailed('promote', `promoting ${req.candidate} failed (${r.code}${r.status ? ` ${r.status}` : ''}): ${r.message}`);
      fork.forkLsn = r.result.forkLsn ?? null;
      fork.newTimeline = r.result.timeline ?? null;
      await step(
        'promote',
        'ok',
        `${req.candidate} promoted with epoch ${epoch}${r.result.alreadyDone ? ' (already done by an earlier attempt)' : ''}; timeline ${r.result.timeline ?? 'unknown'}, forked from timeline ${oldTimeline ?? 'unknown'} at ${fork.forkLsn ?? 'an unknown LSN'}`,
      );
    }

    // 5. verify role and timeline
    const until = Date.now() + (opts.verifyTimeoutMs ?? 30_000);
    let seen = 'no answer';
    let leaderSeenAt: number | null = null;
    for (;;) {
      if (cluster.kind === 'patroni') {
        const s = await patroniLeader(candidate);
        if (s?.leader === req.candidate && (oldTimeline === null || s.timeline === null || s.timeline > oldTimeline)) {
          // Patroni publishes the new timeline's history a few HA loops after the leader changes: wait a little for it
          leaderSeenAt ??= Date.now();
          const f = s.timeline === null ? null : await patroniFork(candidate, s.timeline);
          if (!f && s.timeline !== null && Date.now() - leaderSeenAt < PATRONI_HISTORY_WAIT_MS && Date.now() < until) {
            await renew();
            await sleep(500);
            continue;
          }
          Object.assign(fork, { newTimeline: s.timeline, forkLsn: f?.forkLsn ?? null, previousTimeline: f?.previousTimeline ?? oldTimeline });
          await step('verify', 'ok', `Patroni reports ${req.candidate} as leader${s.timeline ? ` on timeline ${s.timeline}` : ''}${f ? `, forked from timeline ${f.previousTimeline} at ${f.forkLsn}` : ''}`);
          break;
        }
        seen = s ? `leader ${s.leader ?? 'none'}` : 'no answer';
      } else {
        const s = await memberStatus(candidate);
        const tl = s?.postgres.timeline ?? null;
        if (s && s.postgres.reachable && s.postgres.role === 'primary' && tl !== null && (oldTimeline === null || tl > oldTimeline)) {
          // the fork point belongs to the timeline the promote answered; a different one leaves it unknown
          if (fork.newTimeline !== tl) Object.assign(fork, { newTimeline: tl, forkLsn: null });
          await step('verify', 'ok', `${req.candidate} is primary on timeline ${tl} (was ${oldTimeline ?? 'unknown'})`);
          break;
        }
        seen = s ? `role ${s.postgres.role}, timeline ${tl ?? 'unknown'}` : 'no answer';
      }
      if (Date.now() > until) throw new StepFailed('verify', `${req.candidate} did not show up as the new primary in time (${seen})`);
      await renew();
      await sleep(500);
    }

    await db.$transaction(async (tx) => {
      const n = await tx.promotionRequest.updateMany({ where: { id, executorId: opts.executorId, status: 'EXECUTING' }, data: { status: 'COMPLETED', finishedAt: new Date(), executorLeaseUntil: null } });
      if (n.count !== 1) throw new LeaseLost('lease lost before completion');
      await tx.promotionStep.create({ data: { promotionId: id, name: 'done', status: 'ok', detail: `${req.candidate} is the primary at epoch ${epoch}` } });
      await tx.clusterEvent.create({ data: { clusterId: req.clusterId, memberName: req.candidate, kind: 'promotion', severity: 'warning', message: `${req.candidate} promoted at epoch ${epoch}${oldPrimary ? `; ${oldPrimary} fenced or attested` : ''}${req.automatic ? ' (automatic)' : ''}`, data: { promotionId: id, epoch, ...fork } } });
      await audit(tx, { actor: actor(req.automatic), action: req.automatic ? 'promotion.completed_automatic' : 'promotion.completed', targetType: 'promotion', targetId: id, after: { candidate: req.candidate, epoch, oldPrimary } });
    });
    return { id, status: 'COMPLETED' };
  } catch (e) {
    if (e instanceof ExecutorCrash) return { id, status: 'CRASHED', detail: e.message };
    if (e instanceof LeaseLost) return { id, status: 'LEASE_LOST', detail: e.message };
    const stepName = e instanceof StepFailed ? e.step : 'execution';
    const message = e instanceof StepFailed ? e.message : `unexpected error: ${(e as Error).message}`;
    await failPromotion(id, opts.executorId, stepName, message);
    return { id, status: 'FAILED', detail: message };
  }
}

async function failPromotion(id: string, executorId: string, stepName: string, message: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const n = await tx.promotionRequest.updateMany({ where: { id, executorId, status: 'EXECUTING' }, data: { status: 'FAILED', finishedAt: new Date(), executorLeaseUntil: null } });
    if (n.count !== 1) return;
    const req = await tx.promotionRequest.findUniqueOrThrow({ where: { id }, select: { clusterId: true, candidate: true, automatic: true, epochAfter: true } });
    await tx.promotionStep.create({ data: { promotionId: id, name: stepName, status: 'failed', detail: message } });
    await tx.clusterEvent.create({ data: { clusterId: req.clusterId, memberName: req.candidate, kind: 'promotion-failed', severity: 'error', message: `promotion of ${req.candidate} stopped at ${stepName}: ${message}`, data: { promotionId: id, epochAfter: req.epochAfter } } });
    await audit(tx, { actor: actor(req.automatic), action: 'promotion.failed', targetType: 'promotion', targetId: id, after: { step: stepName, message, epochAfter: req.epochAfter } });
  });
}
