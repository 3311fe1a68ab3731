// The planned-switchover executor (issue 15, docs/safety.md "Planned switchover"). Runs in the worker
// under the request's executor lease, like a failover, and records every step:
//   evaluate -> claim-epoch N+1 -> stop (the primary fenced with N+1 through its agent: standby.signal,
//   fast shutdown, its final WAL position proven on disk) -> catch-up (the candidate has received AND
//   replayed exactly up to that position, within VAKT_SWITCHOVER_CATCHUP_SECONDS) -> promote (N+1) ->
//   follow (the old primary restarted as a replica of the new one, N+1) -> verify (the new primary on a
//   new timeline, the old one streaming from it) -> unfence the old primary -> repoint (every other replica
//   re-pointed at the new primary, ./repoint-replicas.ts) -> done.
// Zero loss by construction: nothing is promoted before it holds every byte the stopped primary wrote.
// No two primaries: the primary is fenced on disk before it stops (a restart by anyone comes up
// read-only); the executor records its decision — `promote started` or `rollback started` — under the
// lease BEFORE acting, and a resumed execution follows the recorded decision, never the other one. A
// rollback (catch-up timed out, no proven final position, the candidate refused to promote) first makes
// sure the candidate does not answer as a primary, then starts the old primary again as the primary with
// the same epoch N+1 (POST /v1/resume: only a node that fence stopped, its disk marker untouched); the
// request ends FAILED with outcome `rolled-back` and nothing lost. A scheduled switchover whose evaluation
// at its start refuses it (its window over, the verdict changed since approval or not runnable) ends
// EXPIRED before any epoch claim: nothing executed, its approvals gone with it.
import { db, dbNow } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { sleep } from '@/lib/base/sleep';
import { audit } from '@/lib/audit/record';
import { lsnBytes, lsnValue } from '@/lib/pg';
import { evaluateClusterNow, type TLoadedCluster, type TLoadedMember } from '@/lib/safety/load-safety-input';
import { approvalCounts, bindingChanges } from './approval-binding';
import { driverFor, type TFork } from './drivers';
import { patroniDriver, patroniLeader, patroniMemberState, patroniSwitchover } from './drivers/patroni';
import { callFailure, fenceMember, followMember, memberStatus, promoteMember, resumeMember, unfenceMember } from './drivers/vakt-agent';
import { claimEpoch, complete, LeaseLost, PROMOTE_RECHECK_MS, releaseFor, StepFailed, VERIFY_TIMEOUT_MS, type TExecution, type TExecutionOutcome } from './execution-core';
import { repointOtherReplicas } from './repoint-replicas';
import { promoteOutcome, switchoverDecision } from './rules';
import { findSwitchoverCandidate, switchoverSnapshotOf } from './switchover-snapshot';

type TStep = TExecution['req']['steps'][number];
const byId = (a: TStep, b: TStep) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const last = (steps: TStep[], name: string, status?: string) => steps.filter((s) => s.name === name && (!status || s.status === status)).sort(byId).at(-1) ?? null;

class RollBack extends Error {}

/** A scheduled switchover that could not start in its window: EXPIRED, nothing executed (no epoch claimed), audited. */
async function expireScheduled(x: TExecution, message: string): Promise<TExecutionOutcome> {
  const { id, opts, actor } = x;
  await db.$transaction(async (tx) => {
    const n = await tx.promotionRequest.updateMany({ where: { id, executorId: opts.executorId, status: 'EXECUTING', epochAfter: null }, data: { status: 'EXPIRED', finishedAt: new Date(), executorLeaseUntil: null } });
    if (n.count !== 1) throw new LeaseLost('lease lost before the expiry was recorded');
    await tx.promotionStep.create({ data: { promotionId: id, name: 'evaluate', status: 'refused', detail: message } });
    await tx.promotionStep.create({ data: { promotionId: id, name: 'expire', status: 'ok', detail: `the scheduled switchover could not start in its window (${message}); nothing was executed; its approvals end with it` } });
    await audit(tx, { actor, action: 'promotion.expired', targetType: 'promotion', targetId: id, before: { status: 'EXECUTING' }, after: { status: 'EXPIRED', reason: message } });
  });
  return { id, status: 'EXPIRED', detail: message };
}

export async function executeSwitchover(x: TExecution): Promise<TExecutionOutcome> {
  const { req } = x;
  const steps = [...req.steps].sort(byId);
  const oldPrimaryName = x.snap.primary?.node ?? null;
  if (!oldPrimaryName) throw new StepFailed('evaluate', 'the request names no primary to switch over from');
  let decision = switchoverDecision(steps);
  let cluster: TLoadedCluster;
  let epoch: number;

  if (decision === null && !last(steps, 'stop', 'started')) {
    try {
      cluster = await evaluate(x, oldPrimaryName);
    } catch (e) {
      // a scheduled switchover that cannot run at its start (window over, verdict changed or not runnable):
      // its window is lost, EXPIRED with nothing executed; its approvals end with it (a new request needs new ones)
      if (req.scheduledAt && req.epochAfter === null && e instanceof StepFailed) return expireScheduled(x, e.message);
      throw e;
    }
    epoch = await claimEpoch(x);
    x.crashPoint('claim-epoch', 'crash after claim-epoch');
  } else {
    cluster = (await evaluateClusterNow({ id: req.clusterId })).cluster;
    if (req.epochAfter === null) throw new StepFailed('stop', 'a switchover was started without an epoch claim');
    epoch = req.epochAfter;
  }
  const oldPrimary = member(cluster, oldPrimaryName);
  const candidate = member(cluster, req.candidate);
  if (cluster.kind === 'patroni') return executePatroniSwitchover(x, oldPrimary, candidate, epoch, steps);

  if (decision === null) {
    try {
      const finalLsn = await stopPrimary(x, oldPrimary, epoch, steps);
      x.crashPoint('stop', 'crash after the stop');
      await catchUp(x, candidate, finalLsn, steps);
      x.crashPoint('catch-up', 'crash after the catch-up');
      await x.step('promote', 'started', `promoting ${req.candidate} with epoch ${epoch}: it holds ${oldPrimaryName}'s final WAL position ${finalLsn}`);
      decision = 'promote';
    } catch (e) {
      if (!(e instanceof RollBack)) throw e;
      await x.step('rollback', 'started', `${e.message}; ${req.candidate} was never asked to promote: starting ${oldPrimaryName} again as the primary with epoch ${epoch}`);
      decision = 'rollback';
    }
  }
  if (decision === 'rollback') return rollBack(x, oldPrimary, candidate, epoch);

  // promote (a resumed execution repeats the call: idempotent for the same epoch; an `unknown` one is watched)
  const driver = driverFor(cluster.kind);
  const oldTimeline = x.snap.binding.candidateTimeline ?? x.snap.primary?.timeline ?? null;
  let fork: TFork = { forkLsn: null, previousTimeline: oldTimeline, newTimeline: null };
  const lastPromote = last(steps, 'promote');
  if (lastPromote?.status === 'unknown') {
    const seen = await driver.verify({ candidate, oldTimeline, fork, deadline: 0, wait: async () => {} });
    if (!seen.ok) {
      await releaseFor(x, x.opts.promoteRecheckMs ?? PROMOTE_RECHECK_MS);
      return { id: x.id, status: 'PROMOTING', detail: `${req.candidate} not observed as the primary yet (${seen.seen})` };
    }
    await x.step('promote', 'ok', `observed after the unknown promote: ${seen.detail}`);
    fork = seen.fork;
  } else if (lastPromote?.status !== 'ok') {
    const r = await promoteMember(candidate, epoch);
    x.crashPoint('promote-call', 'crash after the promote call');
    if (!r.ok) {
      if (promoteOutcome({ answeredStatus: r.status, connected: r.connected }) === 'unknown') {
        await x.step('promote', 'unknown', `the promote call to ${req.candidate} ended without saying whether it finished ${callFailure(r)}; ${oldPrimaryName} stays fenced and every other promotion is blocked until ${req.candidate}'s role is observed`);
        await releaseFor(x, x.opts.promoteRecheckMs ?? PROMOTE_RECHECK_MS);
        return { id: x.id, status: 'PROMOTING', detail: r.message };
      }
      // refused (4xx) or never reached: it did not promote, so the old primary may come back
      await x.step('rollback', 'started', `${req.candidate} refused to promote ${callFailure(r)}: starting ${oldPrimaryName} again as the primary with epoch ${epoch}`);
      return rollBack(x, oldPrimary, candidate, epoch);
    }
    fork = { ...fork, forkLsn: r.result.forkLsn ?? null, newTimeline: r.result.timeline ?? null };
    const gap = await writeGap(x);
    await db.promotionRequest.update({ where: { id: x.id }, data: { writeGapMs: gap } });
    await x.step('promote', 'ok', `${req.candidate} promoted with epoch ${epoch}${r.result.alreadyDone ? ' (already done by an earlier attempt)' : ''}; timeline ${r.result.timeline ?? 'unknown'} from ${fork.forkLsn ?? 'an unknown LSN'}; write gap ${gap ?? '?'} ms (stop requested -> new primary accepting writes)`);
  }

  const verified = await driver.verify({ candidate, oldTimeline, fork, deadline: Date.now() + (x.opts.verifyTimeoutMs ?? VERIFY_TIMEOUT_MS), wait: leaseWait(x) });
  if (!verified.ok) throw new StepFailed('verify', `${req.candidate} did not show up as the new primary in time (${verified.seen})`);
  fork = verified.fork;
  const oldPrimaryState = await rejoinOldPrimary(x, oldPrimary, candidate, epoch, fork.newTimeline);
  await repointOtherReplicas(x, { cluster, newPrimary: candidate, oldPrimary: oldPrimaryName, epoch, timeline: fork.newTimeline });
  await x.step('verify', 'ok', `${verified.detail}; ${oldPrimaryName}: ${oldPrimaryState}`);
  const gap = (await db.promotionRequest.findUniqueOrThrow({ where: { id: x.id }, select: { writeGapMs: true } })).writeGapMs;
  await complete(x, epoch, oldPrimaryName, fork, { oldPrimaryState, writeGapMs: gap });
  return { id: x.id, status: 'COMPLETED' };
}

function member(cluster: TLoadedCluster, name: string): TLoadedMember {
  const m = cluster.members.find((k) => k.name === name);
  if (!m) throw new StepFailed('evaluate', `${name} is not a member any more`);
  return m;
}

const leaseWait = (x: TExecution, ms = 250) => async () => {
  await x.renew();
  await sleep(ms);
};

/** Step 1: the switchover verdict on fresh observations still holds the binding, with enough approvals; the old primary's agent can follow. */
async function evaluate(x: TExecution, oldPrimary: string): Promise<TLoadedCluster> {
  const { req, snap } = x;
  const now = await dbNow();
  if (req.windowEnd && req.windowEnd <= now) throw new StepFailed('evaluate', `the switchover window ended at ${req.windowEnd.toISOString()}`);
  const ev = await evaluateClusterNow({ id: req.clusterId, now });
  const c = findSwitchoverCandidate(ev, req.candidate);
  if (!c) throw new StepFailed('evaluate', `${req.candidate} is no longer a replica of this cluster`);
  const fresh = switchoverSnapshotOf(ev, c);
  const bound = req.epochAfter === null ? snap.binding : { ...snap.binding, epoch: req.epochAfter };
  const changes = bindingChanges(bound, fresh.binding);
  if (changes.length) throw new StepFailed('evaluate', `the switchover verdict changed since approval: ${changes.join('; ')}`);
  if (c.verdict === 'BLOCKED' || c.verdict === 'MANUAL') throw new StepFailed('evaluate', `the switchover verdict is now ${c.verdict}: ${c.reasons.filter((r) => r.effect !== 'info').map((r) => r.message).join(' ')}`);
  const counting = req.approvals.filter((a) => approvalCounts(a, now));
  if (req.epochAfter === null && counting.length < req.approvalsRequired) throw new StepFailed('evaluate', `only ${counting.length} of ${req.approvalsRequired} approvals are still valid`);
  const primary = member(ev.cluster, oldPrimary);
  if (ev.cluster.kind === 'patroni') {
    const l = await patroniLeader(primary);
    if (l?.leader !== oldPrimary) throw new StepFailed('evaluate', `Patroni on ${oldPrimary} does not answer now with it as the leader (${l ? `leader ${l.leader ?? 'none'}` : 'no answer'})`);
    await db.promotionRequest.update({ where: { id: x.id }, data: { lagAtStartBytes: c.lagBytes } });
    await x.step('evaluate', 'ok', `Patroni switchover ${oldPrimary} -> ${req.candidate}: ${c.verdict} on observations of ${ev.report.evaluatedAt}; ${req.candidate} ${c.lagBytes ?? 'unknown'} bytes behind (${c.replayLagBytes ?? 'unknown'} not replayed)`);
    return ev.cluster;
  }
  const st = await memberStatus(primary);
  if (!st || st.postgres.role !== 'primary') throw new StepFailed('evaluate', `${oldPrimary}'s agent does not answer now as the primary (${st ? `role ${st.postgres.role}` : 'no answer'})`);
  if (st.node.canFollow !== true) throw new StepFailed('evaluate', `${oldPrimary}'s agent cannot restart it as a replica (VAKT_AGENT_REPLICATION_CONNINFO not set, or an older agent): nothing was changed`);
  await db.promotionRequest.update({ where: { id: x.id }, data: { lagAtStartBytes: c.lagBytes } });
  await x.step('evaluate', 'ok', `switchover ${oldPrimary} -> ${req.candidate}: ${c.verdict} on observations of ${ev.report.evaluatedAt}; ${req.candidate} ${c.lagBytes ?? 'unknown'} bytes behind (${c.replayLagBytes ?? 'unknown'} not replayed)`);
  return ev.cluster;
}

/** Step 3: the primary fenced with N+1 (standby.signal, fast shutdown) and its final WAL position proven. Returns that position. */
async function stopPrimary(x: TExecution, primary: TLoadedMember, epoch: number, steps: TStep[]): Promise<string> {
  const done = last(steps, 'stop', 'ok');
  if (done && x.req.finalLsn) return x.req.finalLsn;
  await x.step('stop', 'started', `stopping writes on ${primary.name}: fence with epoch ${epoch} (standby.signal, pg_ctl stop -m fast)`);
  const r = await fenceMember(primary, epoch, `vakt switchover ${x.id}: ${x.req.candidate} becomes primary at epoch ${epoch}`);
  if (!r.ok) throw new RollBack(`stopping ${primary.name} failed ${callFailure(r)}`);
  const fp = r.result.finalPosition ?? null;
  if (!fp) throw new RollBack(`${primary.name} stopped, but its final WAL position was not proven (${r.result.detail ?? 'no detail'})`);
  await db.promotionRequest.update({ where: { id: x.id }, data: { finalLsn: fp.lsn } });
  await x.step('stop', 'ok', `${primary.name} stopped and fenced with epoch ${epoch}; final WAL position ${fp.lsn} (${fp.proof})`);
  return fp.lsn;
}

/**
 * Step 4: until the candidate has received and replayed exactly up to the final position (from the
 * stop's end, within the catch-up bound; a resumed execution gets what is left of it). Beyond the final
 * position means it holds WAL the stopped primary never wrote: never promoted.
 */
async function catchUp(x: TExecution, candidate: TLoadedMember, finalLsn: string, steps: TStep[]): Promise<void> {
  const stopped = last(steps, 'stop', 'ok')?.at ?? (await dbNow());
  const boundMs = x.opts.catchupTimeoutMs ?? env().VAKT_SWITCHOVER_CATCHUP_SECONDS * 1000;
  const deadline = Date.now() + Math.max(0, boundMs - ((await dbNow()).getTime() - stopped.getTime()));
  const target = lsnValue(finalLsn)!;
  const t0 = Date.now();
  let seen = 'no answer';
  for (;;) {
    const s = await memberStatus(candidate);
    const recv = lsnValue(s?.postgres.receiveLsn ?? null);
    const replay = lsnValue(s?.postgres.replayLsn ?? null);
    if (s?.postgres.reachable && s.postgres.role === 'replica' && recv !== null && replay !== null) {
      seen = `received ${s.postgres.receiveLsn}, replayed ${s.postgres.replayLsn}`;
      if (recv > target || replay > target) throw new RollBack(`${candidate.name} is past ${finalLsn} (${seen}): it holds WAL the stopped primary never wrote`);
      if (recv === target && replay === target) {
        await x.step('catch-up', 'ok', `${candidate.name} received and replayed exactly ${finalLsn} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        return;
      }
    } else if (s) seen = `reachable ${s.postgres.reachable}, role ${s.postgres.role}`;
    if (Date.now() > deadline) {
      const behind = lsnBytes(finalLsn, s?.postgres.replayLsn ?? null);
      await x.step('catch-up', 'timeout', `${candidate.name} did not reach ${finalLsn} within ${Math.round(boundMs / 1000)} s (${seen}${behind !== null ? `, ${behind} bytes short` : ''})`);
      throw new RollBack(`${candidate.name} did not catch up within ${Math.round(boundMs / 1000)} s`);
    }
    await leaseWait(x, 100)();
  }
}

/** The write gap: from the stop request (its step, Vakt's database time) to now, the new primary accepting writes (ms). */
async function writeGap(x: TExecution): Promise<number | null> {
  const s = await db.promotionStep.findFirst({ where: { promotionId: x.id, name: 'stop', status: 'started' }, orderBy: { id: 'asc' }, select: { at: true } });
  return s ? (await dbNow()).getTime() - s.at.getTime() : null;
}

/**
 * Steps 6 and 7 for the old primary: restarted as a replica of the new primary (N+1), seen streaming
 * from it on the new timeline, then unfenced. Any failure leaves it fenced (read-only, never a second
 * primary) and says so; the switchover itself is done.
 */
async function rejoinOldPrimary(x: TExecution, old: TLoadedMember, candidate: TLoadedMember, epoch: number, timeline: number | null): Promise<string> {
  const st = await memberStatus(candidate);
  const addr = st?.node.replicationAddress;
  if (!addr) {
    await x.step('follow', 'failed', `${candidate.name} reports no replication address`);
    return 'left fenced and stopped: the new primary reports no replication address (rejoin it)';
  }
  const f = await followMember(old, epoch, addr, `vakt switchover ${x.id}: follow ${candidate.name} at epoch ${epoch}`);
  if (!f.ok) {
    await x.step('follow', 'failed', `restarting ${old.name} as a replica of ${candidate.name} failed ${callFailure(f)}`);
    return `left fenced: restarting it as a replica failed ${callFailure(f)} (rejoin it)`;
  }
  await x.step('follow', 'ok', f.result.detail ?? `${old.name} started as a replica of ${addr.host}:${addr.port}`);
  const deadline = Date.now() + (x.opts.verifyTimeoutMs ?? VERIFY_TIMEOUT_MS);
  let seen = 'no answer';
  for (;;) {
    const s = await memberStatus(old);
    const wr = s?.postgres.walReceiver;
    if (s?.postgres.role === 'replica' && wr?.status === 'streaming' && (timeline === null || wr.receivedTimeline === timeline)) break;
    seen = s ? `role ${s.postgres.role}, WAL receiver ${wr?.status ?? 'none'} on timeline ${wr?.receivedTimeline ?? '?'}` : 'no answer';
    if (Date.now() > deadline) return `left fenced: started as a replica but not seen streaming from ${candidate.name} in time (${seen})`;
    await leaseWait(x, 250)();
  }
  const u = await unfenceMember(old, epoch, `vakt switchover ${x.id}: streams from ${candidate.name} on timeline ${timeline ?? '?'}`);
  if (!u.ok) return `streams from ${candidate.name} on timeline ${timeline ?? '?'}, but unfencing failed ${callFailure(u)}`;
  await x.step('unfence', 'ok', `${old.name} streams from ${candidate.name} on timeline ${timeline ?? '?'}: unfenced`);
  return `streams from ${candidate.name} on timeline ${timeline ?? '?'} (unfenced)`;
}

/**
 * The rollback: never while the candidate answers as a primary; then the old primary started again as the
 * primary with epoch N+1. The request ends FAILED with outcome `rolled-back`; nothing was lost (the
 * candidate never promoted, the old primary keeps every byte it wrote).
 */
async function rollBack(x: TExecution, old: TLoadedMember, candidate: TLoadedMember, epoch: number): Promise<TExecutionOutcome> {
  const cs = await memberStatus(candidate);
  if (cs?.postgres.role === 'primary') throw new StepFailed('rollback', `${candidate.name} answers as a primary: ${old.name} stays fenced (never two primaries); resolve by hand`);
  const r = await resumeMember(old, epoch, `vakt switchover ${x.id} rolled back: ${candidate.name} was never promoted`);
  if (!r.ok) throw new StepFailed('rollback', `starting ${old.name} again as the primary failed ${callFailure(r)}; it stays fenced and stopped: the cluster has no primary until an operator starts it`);
  const message = `rolled back: ${old.name} is the primary again at epoch ${epoch} (${r.result.detail ?? 'resumed'}); ${candidate.name} was never promoted; nothing lost`;
  const { id, opts, req, actor } = x;
  await db.$transaction(async (tx) => {
    const n = await tx.promotionRequest.updateMany({ where: { id, executorId: opts.executorId, status: 'EXECUTING' }, data: { status: 'FAILED', outcome: 'rolled-back', finishedAt: new Date(), executorLeaseUntil: null } });
    if (n.count !== 1) throw new LeaseLost('lease lost before the rollback was recorded');
    await tx.promotionStep.create({ data: { promotionId: id, name: 'rollback', status: 'ok', detail: message } });
    await tx.clusterEvent.create({ data: { clusterId: req.clusterId, memberName: old.name, kind: 'switchover-rolled-back', severity: 'warning', message, data: { promotionId: id, epoch } } });
    await audit(tx, { actor, action: 'switchover.rolled_back', targetType: 'promotion', targetId: id, after: { candidate: req.candidate, oldPrimary: old.name, epoch } });
  });
  return { id, status: 'ROLLED_BACK', detail: message };
}

/**
 * A Patroni cluster's planned switchover (after evaluate and the epoch claim N+1): Vakt kept the schedule
 * and now asks the leader's Patroni for an immediate switchover to the candidate (POST /switchover
 * {leader, candidate}; Patroni stops the leader cleanly, promotes the candidate and restarts the old
 * leader as its replica), then verifies the new leader on a newer timeline and that the old leader runs
 * as a replica on that timeline. The write gap runs from the request to Patroni (the `stop` step) to the
 * new leader seen. A resumed execution never asks twice: it looks at who leads.
 */
async function executePatroniSwitchover(x: TExecution, old: TLoadedMember, candidate: TLoadedMember, epoch: number, steps: TStep[]): Promise<TExecutionOutcome> {
  const { req } = x;
  const oldTimeline = x.snap.binding.candidateTimeline ?? x.snap.primary?.timeline ?? null;
  const fork0: TFork = { forkLsn: null, previousTimeline: oldTimeline, newTimeline: null };
  if (!last(steps, 'stop', 'started')) {
    await x.step('stop', 'started', `asking Patroni on ${old.name} to switch over to ${candidate.name} now (POST /switchover; epoch ${epoch} claimed)`);
    const r = await patroniSwitchover(old, candidate.name);
    if (r.ok) await x.step('promote', 'ok', `Patroni accepted the switchover ${old.name} -> ${candidate.name}: ${r.message}`);
    else {
      const leads = await patroniLeader(candidate);
      if (leads?.leader !== candidate.name) throw new StepFailed('promote', `Patroni refused the switchover ${old.name} -> ${candidate.name} (${r.status ?? 'no answer'}: ${r.message}); leader now ${leads ? (leads.leader ?? 'none') : 'unknown'}`);
      await x.step('promote', 'ok', `Patroni answered ${r.status ?? 'nothing'} (${r.message}), but ${candidate.name} leads`);
    }
  }
  // the write gap ends when Patroni lists the candidate running as the leader on a newer timeline (promoted);
  // verify then waits for the fork point from Patroni's history, which Patroni publishes a few loops later
  const deadline0 = Date.now() + (x.opts.verifyTimeoutMs ?? VERIFY_TIMEOUT_MS);
  for (;;) {
    const l = await patroniLeader(candidate);
    if (l?.leader === candidate.name && (oldTimeline === null || (l.timeline !== null && l.timeline > oldTimeline))) break;
    if (Date.now() > deadline0) break; // verify below says what it saw
    await leaseWait(x, 100)();
  }
  const gap = last(steps, 'stop', 'started') ? (x.req.writeGapMs ?? null) : await writeGap(x);
  await db.promotionRequest.update({ where: { id: x.id }, data: { writeGapMs: gap } });
  const verified = await patroniDriver.verify({ candidate, oldTimeline, fork: fork0, deadline: deadline0, wait: leaseWait(x) });
  if (!verified.ok) throw new StepFailed('verify', `Patroni does not report ${candidate.name} as the new leader in time (${verified.seen})`);
  const fork = verified.fork;
  const deadline = Date.now() + (x.opts.verifyTimeoutMs ?? VERIFY_TIMEOUT_MS);
  let seen = 'not listed';
  for (;;) {
    const s = await patroniMemberState(candidate, old.name);
    if (s && s.role === 'replica' && (s.state === 'running' || s.state === 'streaming') && fork.newTimeline !== null && s.timeline === fork.newTimeline) break;
    seen = s ? `role ${s.role}, state ${s.state ?? '?'}, timeline ${s.timeline ?? '?'}` : 'not listed';
    if (Date.now() > deadline) throw new StepFailed('follow', `${old.name} is not seen as a replica on timeline ${fork.newTimeline ?? '?'} in time (${seen})`);
    await leaseWait(x, 250)();
  }
  const oldPrimaryState = `a replica of ${candidate.name} on timeline ${fork.newTimeline} (Patroni)`;
  await x.step('follow', 'ok', `Patroni lists ${old.name} as ${oldPrimaryState}`);
  await x.step('verify', 'ok', `${verified.detail}; write gap ${gap ?? '?'} ms (switchover requested -> new leader seen); ${old.name}: ${oldPrimaryState}`);
  await complete(x, epoch, old.name, fork, { oldPrimaryState, writeGapMs: gap });
  return { id: x.id, status: 'COMPLETED' };
}
