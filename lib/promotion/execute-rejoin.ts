// The rejoin executor (issue 15 item 4, README "Rejoin after a failover"). The worker takes one APPROVED
// rejoin request (or an EXECUTING one whose lease expired) under a lease and records every step with its
// output: evaluate (rejoin-rules.ts rejoinPlan on what the agents answer now, at the cluster's epoch now)
// -> fence (only when the member is not fenced at that epoch: a replica left on the old timeline; never a
// node answering as a primary) -> rewind (POST /v1/rewind: pg_rewind from the new primary, the node fenced
// and stopped) -> when pg_rewind cannot work (REWIND_NOT_POSSIBLE: no wal_log_hints or data checksums;
// REWIND_FAILED), the rewind step is recorded `refused` with the agent's words and basebackup runs instead
// (POST /v1/basebackup: the old data directory moved aside, a fresh pg_basebackup from the new primary; when
// that fails too the request ends FAILED with outcome `needs-base-backup`) -> follow (POST /v1/follow:
// started as a replica of the new primary, still fenced) -> verify (streaming from the new primary on its
// timeline) -> discard-aside (after a base backup only: the old data directory deleted, POST
// /v1/discard-aside) -> unfence -> done (outcome `rejoined`). A failure leaves the node fenced.
import { db } from '@/lib/base/db';
import { sleep } from '@/lib/base/sleep';
import { audit } from '@/lib/audit/record';
import { systemActor } from '@/lib/auth/actor';
import { loadSafetyInput, type TLoadedMember } from '@/lib/safety/load-safety-input';
import { basebackupMember, callFailure, discardAsideMember, fenceMember, followMember, memberStatus, rewindMember, unfenceMember } from './drivers/vakt-agent';
import { DEFAULT_LEASE_MS, LeaseLost, StepFailed, VERIFY_TIMEOUT_MS } from './execution-core';
import { liveNodeViews } from './rejoin-live';
import { needsBaseBackup, rejoinPlan } from './rejoin-rules';
import { rejoinStep, type TRejoinStep } from './request-rejoin';

export type TRejoinOutcome = { id: string; status: 'COMPLETED' | 'FAILED' | 'LEASE_LOST'; outcome?: string; detail?: string };

const actor = systemActor('vakt-executor');

class Ended extends StepFailed {
  constructor(step: string, message: string, readonly outcome: 'needs-base-backup' | 'failed') {
    super(step, message);
  }
}

/** Takes one APPROVED rejoin request (or an EXECUTING one whose lease expired) and executes it. Null when there is none. */
export async function runRejoinOnce(opts: { executorId: string; leaseMs?: number; verifyTimeoutMs?: number }): Promise<TRejoinOutcome | null> {
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const id = await db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string; status: string }[]>`
      SELECT "id", "status" FROM "vakt"."RejoinRequest"
      WHERE "status" = 'APPROVED' OR ("status" = 'EXECUTING' AND ("executorLeaseUntil" IS NULL OR "executorLeaseUntil" < now()))
      ORDER BY "createdAt" LIMIT 1 FOR UPDATE SKIP LOCKED`;
    if (!rows[0]) return null;
    const step = JSON.stringify([rejoinStep('execution', rows[0].status === 'EXECUTING' ? 'resumed' : 'started', `by ${opts.executorId}`)]);
    await tx.$executeRaw`UPDATE "vakt"."RejoinRequest" SET "status" = 'EXECUTING', "executorId" = ${opts.executorId}, "executorLeaseUntil" = now() + make_interval(secs => ${leaseMs / 1000}), "steps" = "steps" || ${step}::jsonb, "updatedAt" = now() WHERE "id" = ${rows[0].id}`;
    await audit(tx, { actor, action: 'rejoin.execution_started', targetType: 'rejoin', targetId: rows[0].id, after: { executorId: opts.executorId } });
    return rows[0].id;
  });
  if (!id) return null;

  const renew = async () => {
    const n = await db.$executeRaw`UPDATE "vakt"."RejoinRequest" SET "executorLeaseUntil" = now() + make_interval(secs => ${leaseMs / 1000}), "updatedAt" = now() WHERE "id" = ${id} AND "executorId" = ${opts.executorId} AND "status" = 'EXECUTING'`;
    if (n !== 1) throw new LeaseLost('lease lost');
  };
  const step = async (name: string, status: string, detail: string) => {
    const s = JSON.stringify([rejoinStep(name, status, detail)]);
    const n = await db.$executeRaw`UPDATE "vakt"."RejoinRequest" SET "steps" = "steps" || ${s}::jsonb, "executorLeaseUntil" = now() + make_interval(secs => ${leaseMs / 1000}), "updatedAt" = now() WHERE "id" = ${id} AND "executorId" = ${opts.executorId} AND "status" = 'EXECUTING'`;
    if (n !== 1) throw new LeaseLost('lease lost');
  };

  const req = await db.rejoinRequest.findUniqueOrThrow({ where: { id } });
  const done = new Set((req.steps as TRejoinStep[]).filter((s) => s.status === 'ok').map((s) => s.name));
  try {
    // evaluate: the agents now, at the cluster's epoch now
    const { cluster } = await loadSafetyInput({ id: req.clusterId });
    const member = cluster.members.find((m) => m.name === req.member);
    if (!member) throw new Ended('evaluate', `${req.member} is not a member any more`, 'failed');
    const epoch = cluster.epoch;
    if (!done.has('follow')) {
      const plan = rejoinPlan({ member: req.member, epoch, nodes: await liveNodeViews(cluster.members) });
      if (!plan.ok) throw new Ended('evaluate', `${plan.message} (${plan.code}); nothing was changed`, 'failed');
      await step('evaluate', 'ok', `${req.member} rejoins as a replica of ${plan.primary} (${plan.primaryAddress.host}:${plan.primaryAddress.port}, timeline ${plan.primaryTimeline ?? '?'}) at epoch ${epoch}`);
      if (plan.fenceFirst) {
        const f = await fenceMember(member, epoch, `vakt rejoin ${id}: fenced at epoch ${epoch} before pg_rewind`);
        if (!f.ok) throw new Ended('fence', `fencing ${req.member} with epoch ${epoch} failed ${callFailure(f)}`, 'failed');
        await step('fence', 'ok', f.result.detail ?? `fenced at epoch ${epoch}`);
      }
      if (!done.has('rewind') && !done.has('basebackup')) {
        const r = await rewindMember(member, epoch, plan.primaryAddress, `vakt rejoin ${id}: rewind onto ${plan.primary}'s timeline`);
        if (r.ok) await step('rewind', 'ok', r.result.detail ?? 'pg_rewind done');
        else if (!needsBaseBackup(r.code)) throw new Ended('rewind', `rewinding ${req.member} failed ${callFailure(r)}; it stays fenced`, 'failed');
        else {
          await step('rewind', 'refused', `pg_rewind cannot bring ${req.member} back ${callFailure(r)}: a fresh base backup from ${plan.primary} instead`);
          const b = await basebackupMember(member, epoch, plan.primaryAddress, `vakt rejoin ${id}: base backup from ${plan.primary}`);
          if (!b.ok) throw new Ended('basebackup', `the base backup of ${req.member} from ${plan.primary} failed ${callFailure(b)}; it stays fenced and stopped`, 'needs-base-backup');
          await step('basebackup', 'ok', b.result.detail ?? `pg_basebackup from ${plan.primary} done`);
          done.add('basebackup');
        }
      }
      const f = await followMember(member, epoch, plan.primaryAddress, `vakt rejoin ${id}: follow ${plan.primary} at epoch ${epoch}`);
      if (!f.ok) throw new Ended('follow', `starting ${req.member} as a replica of ${plan.primary} failed ${callFailure(f)}; it stays fenced`, 'failed');
      await step('follow', 'ok', f.result.detail ?? `started as a replica of ${plan.primary}`);
    }
    // verify: streaming from the one primary on its timeline (asked again: a resumed execution too)
    const deadline = Date.now() + (opts.verifyTimeoutMs ?? VERIFY_TIMEOUT_MS);
    let seen = 'no answer';
    for (;;) {
      const views = await liveNodeViews(cluster.members);
      const p = views.find((v) => v.name !== req.member && v.status?.reachable && v.status.role === 'primary' && !v.status.fenced);
      const s = await memberStatus(member);
      const wr = s?.postgres.walReceiver;
      const addr = p?.status?.replicationAddress;
      if (p && addr && s?.postgres.role === 'replica' && wr?.status === 'streaming' && wr.senderPort === addr.port && wr.receivedTimeline === p.status!.timeline) {
        await step('verify', 'ok', `${req.member} streams from ${p.name} (${wr.senderHost}:${wr.senderPort}) on timeline ${wr.receivedTimeline}, replayed ${s.postgres.replayLsn ?? '?'}`);
        if (done.has('basebackup')) {
          const d = await discardAsideMember(member, epoch, `vakt rejoin ${id}: the new data directory streams`);
          if (!d.ok) throw new Ended('discard-aside', `${req.member} streams, but deleting its old data directory failed ${callFailure(d)}; it stays fenced`, 'failed');
          await step('discard-aside', 'ok', d.result.detail ?? 'old data directory removed');
        }
        await unfenceAndComplete(member, epoch, p.name, wr.receivedTimeline ?? null);
        return { id, status: 'COMPLETED', outcome: 'rejoined' };
      }
      seen = s ? `role ${s.postgres.role}, WAL receiver ${wr?.status ?? 'none'} from port ${wr?.senderPort ?? '?'} on timeline ${wr?.receivedTimeline ?? '?'}; primary ${p?.name ?? 'none'} on timeline ${p?.status?.timeline ?? '?'}` : 'no answer';
      if (Date.now() > deadline) throw new Ended('verify', `${req.member} was not seen streaming from the new primary in time (${seen}); it stays fenced (read-only)`, 'failed');
      await renew();
      await sleep(250);
    }
  } catch (e) {
    if (e instanceof LeaseLost) return { id, status: 'LEASE_LOST', detail: e.message };
    const ended = e instanceof Ended ? e : new Ended(e instanceof StepFailed ? e.step : 'execution', (e as Error).message, 'failed');
    await fail(ended);
    return { id, status: 'FAILED', outcome: ended.outcome, detail: ended.message };
  }

  async function unfenceAndComplete(m: TLoadedMember, epoch: number, primaryName: string, timeline: number | null) {
    const u = await unfenceMember(m, epoch, `vakt rejoin ${id}: streams from ${primaryName} on timeline ${timeline ?? '?'}`);
    if (!u.ok) throw new Ended('unfence', `${m.name} streams from ${primaryName}, but unfencing failed ${callFailure(u)}; it stays fenced (read-only)`, 'failed');
    const message = `${m.name} rejoined as a replica of ${primaryName} on timeline ${timeline ?? '?'} at epoch ${epoch} (unfenced)`;
    await db.$transaction(async (tx) => {
      const s = JSON.stringify([rejoinStep('unfence', 'ok', u.result.detail ?? 'unfenced'), rejoinStep('done', 'ok', message)]);
      const n = await tx.$executeRaw`UPDATE "vakt"."RejoinRequest" SET "status" = 'COMPLETED', "outcome" = 'rejoined', "finishedAt" = now(), "executorLeaseUntil" = NULL, "steps" = "steps" || ${s}::jsonb, "updatedAt" = now() WHERE "id" = ${id} AND "executorId" = ${opts.executorId} AND "status" = 'EXECUTING'`;
      if (n !== 1) throw new LeaseLost('lease lost before completion');
      await tx.clusterEvent.create({ data: { clusterId: req.clusterId, memberName: m.name, kind: 'rejoined', severity: 'info', message, data: { rejoinId: id, epoch, primary: primaryName, timeline } } });
      await audit(tx, { actor, action: 'rejoin.completed', targetType: 'rejoin', targetId: id, after: { member: m.name, primary: primaryName, epoch, timeline } });
    });
  }

  async function fail(e: Ended) {
    await db.$transaction(async (tx) => {
      const s = JSON.stringify([rejoinStep(e.step, 'failed', e.message)]);
      const n = await tx.$executeRaw`UPDATE "vakt"."RejoinRequest" SET "status" = 'FAILED', "outcome" = ${e.outcome}, "finishedAt" = now(), "executorLeaseUntil" = NULL, "steps" = "steps" || ${s}::jsonb, "updatedAt" = now() WHERE "id" = ${id} AND "executorId" = ${opts.executorId} AND "status" = 'EXECUTING'`;
      if (n !== 1) return;
      await tx.clusterEvent.create({ data: { clusterId: req.clusterId, memberName: req.member, kind: 'rejoin-failed', severity: 'error', message: `rejoin of ${req.member} stopped at ${e.step}: ${e.message}`, data: { rejoinId: id, outcome: e.outcome } } });
      await audit(tx, { actor, action: 'rejoin.failed', targetType: 'rejoin', targetId: id, after: { step: e.step, outcome: e.outcome, message: e.message } });
    });
  }
}
