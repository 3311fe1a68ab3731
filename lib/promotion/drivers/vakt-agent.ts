// The promotion driver for Vakt-agent clusters: the executor's calls to a member's agent
// (docs/agent-protocol.md: POST /v1/fence, POST /v1/promote, GET /v1/status), through the SSRF-guarded client.
// The agent's fence and promote are idempotent for the same epoch, so a resumed execution repeats them safely.
import { BASEBACKUP_TIMEOUT_S, REWIND_TIMEOUT_S, ZActionResult, ZAgentError, ZAgentStatus, type TActionResult, type TAgentStatus, type TFinalPosition } from '@/lib/agent/protocol';
import { db } from '@/lib/base/db';
import { agentRequest, AgentHttpError } from '@/lib/base/net/agent-http';
import { joinUrl } from '@/lib/base/net/join-url';
import type { TLoadedMember } from '@/lib/safety/load-safety-input';
import { agentCallTimeoutMs, attestationCoversFence, DEFAULT_AGENT_FENCE_SECONDS, DEFAULT_AGENT_PROMOTE_SECONDS, fenceAttempted, promoteOutcome, type TAgentCallEnd } from '../rules';
import { memberToken } from './member-token';
import type { TPromotionDriver } from './types';

export type TAgentCallResult =
  | { ok: true; result: TActionResult }
  /** `status`: what the agent answered (null: no answer); `connected`: the request may have reached it (rules.ts fenceAttempted) */
  | { ok: false; status: number | null; connected: boolean; code: string; message: string };

const callEnd = (r: Extract<TAgentCallResult, { ok: false }>): TAgentCallEnd => ({ answeredStatus: r.status, connected: r.connected });

async function post(m: TLoadedMember, path: string, body: unknown, timeoutMs: number): Promise<TAgentCallResult> {
  try {
    const res = await agentRequest(joinUrl(m.agentUrl, path), { method: 'POST', body, auth: { bearer: memberToken(m) }, timeoutMs });
    let json: unknown = null;
    try {
      json = JSON.parse(res.body);
    } catch {
      /* not JSON */
    }
    if (res.status >= 200 && res.status < 300) {
      const r = ZActionResult.safeParse(json);
      if (r.success && r.data.ok) return { ok: true, result: r.data };
      return { ok: false, status: res.status, connected: true, code: 'BAD_ANSWER', message: `unexpected answer: ${res.body.slice(0, 300)}` };
    }
    const err = ZAgentError.safeParse(json);
    return {
      ok: false,
      status: res.status,
      connected: true,
      code: err.success ? err.data.error.code : `HTTP_${res.status}`,
      message: err.success ? err.data.error.message : res.body.slice(0, 300),
    };
  } catch (e) {
    // Anything but the HTTP client's own "never connected" counts as possibly received (fail closed).
    const kind = e instanceof AgentHttpError ? e.kind : 'network';
    const connected = e instanceof AgentHttpError ? e.connected : true;
    return { ok: false, status: null, connected, code: kind.toUpperCase(), message: (e as Error).message };
  }
}

/** The agent's own fence/promote bounds as its latest stored status reported them (`timeouts`, optional). */
type TReportedTimeouts = { fenceSeconds?: unknown; promoteSeconds?: unknown; standbySeconds?: unknown; upstreamSeconds?: unknown; followSeconds?: unknown; resumeSeconds?: unknown };
async function reportedTimeouts(m: TLoadedMember): Promise<TReportedTimeouts> {
  const o = await db.nodeObservation.findUnique({ where: { memberId: m.id }, select: { payload: true } }).catch(() => null);
  // a Vakt agent's status, or (Patroni member) the status of the Vakt agent beside it
  const pl = o?.payload as { timeouts?: unknown; fenceAgent?: { status?: { timeouts?: unknown } } } | null | undefined;
  const t = pl?.timeouts ?? pl?.fenceAgent?.status?.timeouts;
  return t && typeof t === 'object' ? (t as TReportedTimeouts) : {};
}

export const fenceMember = async (m: TLoadedMember, epoch: number, reason: string, timeoutMs?: number) =>
  post(m, '/v1/fence', { epoch, reason }, timeoutMs ?? agentCallTimeoutMs((await reportedTimeouts(m)).fenceSeconds, DEFAULT_AGENT_FENCE_SECONDS));
export const promoteMember = async (m: TLoadedMember, epoch: number, timeoutMs?: number) =>
  post(m, '/v1/promote', { epoch }, timeoutMs ?? agentCallTimeoutMs((await reportedTimeouts(m)).promoteSeconds, DEFAULT_AGENT_PROMOTE_SECONDS));

/** WAL salvage: start a fenced node read-only as a standby serving its WAL (POST /v1/standby; the agent's fence bound). */
export const startStandby = async (m: TLoadedMember, epoch: number, reason: string, timeoutMs?: number) =>
  post(m, '/v1/standby', { epoch, reason }, timeoutMs ?? agentCallTimeoutMs((await reportedTimeouts(m)).standbySeconds, DEFAULT_AGENT_FENCE_SECONDS));
/** WAL salvage: point a replica at another upstream (POST /v1/upstream). */
export const setUpstream = async (m: TLoadedMember, epoch: number, to: { host: string; port: number }, reason: string, timeoutMs?: number) =>
  post(m, '/v1/upstream', { epoch, host: to.host, port: to.port, reason }, timeoutMs ?? agentCallTimeoutMs((await reportedTimeouts(m)).upstreamSeconds, DEFAULT_AGENT_PROMOTE_SECONDS));

/** Switchover / rejoin: start a node fenced at `epoch` as a replica of `to` (POST /v1/follow). */
export const followMember = async (m: TLoadedMember, epoch: number, to: { host: string; port: number }, reason: string) =>
  post(m, '/v1/follow', { epoch, host: to.host, port: to.port, reason }, agentCallTimeoutMs((await reportedTimeouts(m)).followSeconds, DEFAULT_AGENT_FENCE_SECONDS));
/** Switchover rollback: start the node the fence of `epoch` stopped again as the primary (POST /v1/resume). */
export const resumeMember = async (m: TLoadedMember, epoch: number, reason: string) =>
  post(m, '/v1/resume', { epoch, reason }, agentCallTimeoutMs((await reportedTimeouts(m)).resumeSeconds, DEFAULT_AGENT_FENCE_SECONDS));
/** Clears the agent's fenced flag (POST /v1/unfence), once the node streams from the new primary. */
export const unfenceMember = async (m: TLoadedMember, epoch: number, reason: string) => post(m, '/v1/unfence', { epoch, reason }, agentCallTimeoutMs(undefined, DEFAULT_AGENT_PROMOTE_SECONDS));

export async function memberStatus(m: TLoadedMember, timeoutMs = 5_000): Promise<TAgentStatus | null> {
  try {
    const res = await agentRequest(joinUrl(m.agentUrl, '/v1/status'), { auth: { bearer: memberToken(m) }, timeoutMs });
    if (res.status !== 200) return null;
    const r = ZAgentStatus.safeParse(JSON.parse(res.body));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** `(CODE status): message` of a failed agent call, for step details. */
export const callFailure = (r: Extract<TAgentCallResult, { ok: false }>) => `(${r.code}${r.status ? ` ${r.status}` : ''}): ${r.message}`;

/** The reason a promotion's fence carries (the agent records it with the fence). */
export const promotionFenceReason = (promotionId: string, candidate: string, epoch: number) => `vakt promotion ${promotionId}: ${candidate} becomes primary at epoch ${epoch}`;

/** A Patroni member's Vakt agent (registered beside it) as a member this driver's calls can reach; null = none. */
export const fenceAgentMember = (m: TLoadedMember): TLoadedMember | null =>
  m.fenceAgentUrl && m.fenceAgentTokenEnc ? { ...m, agentUrl: m.fenceAgentUrl, agentTokenEnc: m.fenceAgentTokenEnc } : null;

export type TAgentFence =
  | { outcome: 'fenced'; detail: string; finalPosition: TFinalPosition | null }
  | { outcome: 'failed'; message: string }
  | { outcome: 'unreachable'; message: string };

/**
 * Fence `member` through its Vakt agent with the new epoch: fenced; failed (the agent was reached, or
 * may have been, and did not confirm: an attestation never stands in); or never reached.
 */
export async function fenceThroughAgent(member: TLoadedMember, o: { epoch: number; reason: string }): Promise<TAgentFence> {
  const r = await fenceMember(member, o.epoch, o.reason);
  if (r.ok) return { outcome: 'fenced', detail: r.result.detail ?? (r.result.alreadyDone ? 'already fenced' : 'fenced'), finalPosition: r.result.finalPosition ?? null };
  return fenceAttempted(callEnd(r)) ? { outcome: 'failed', message: callFailure(r) } : { outcome: 'unreachable', message: r.message };
}

export const vaktAgentDriver: TPromotionDriver = {
  kind: 'vakt-agent',

  // The old primary's agent fences it with the new epoch. Only an agent that was never reached leaves the
  // old primary to the operators' attestation; an attempted fence that failed or timed out stops here.
  async fence({ promotionId, cluster, oldPrimary, candidate, epoch, attestation }) {
    if (!oldPrimary) return { ok: false, message: 'no old primary is known, so it cannot be fenced' };
    const member = cluster.members.find((m) => m.name === oldPrimary);
    if (!member) return { ok: false, message: `old primary ${oldPrimary} is not a member any more` };
    const r = await fenceThroughAgent(member, { epoch, reason: promotionFenceReason(promotionId, candidate, epoch) });
    if (r.outcome === 'fenced') {
      const fp = r.finalPosition;
      return { ok: true, detail: `${oldPrimary} fenced with epoch ${epoch}: ${r.detail}${fp ? `; ${fp.proof}` : ''}`, finalPosition: fp };
    }
    if (r.outcome === 'unreachable' && attestation?.trim()) {
      return { ok: true, detail: `${oldPrimary} unreachable (${r.message}); relying on the operators' attestation "${attestation}"`, attested: { oldPrimary, error: r.message } };
    }
    return {
      ok: false,
      message:
        r.outcome === 'unreachable'
          ? `fencing ${oldPrimary} failed: its agent is unreachable (${r.message}) and nobody attested it is fenced`
          : `fencing ${oldPrimary} failed ${r.message}${attestation ? '; the fence was attempted, so the attestation (which covers only an unreachable old primary) does not stand in' : ''}`,
    };
  },

  // The candidate's agent promotes it with the new epoch and answers the new timeline and its fork point.
  async promote({ candidate, epoch, oldTimeline, fork, afterCall }) {
    const r = await promoteMember(candidate, epoch);
    afterCall();
    if (!r.ok) {
      if (promoteOutcome(callEnd(r)) === 'unknown') {
        return { ok: false, unknown: true, message: `the promote call to ${candidate.name} ended without saying whether it finished ${callFailure(r)}; PostgreSQL may still be promoting` };
      }
      return { ok: false, message: `promoting ${candidate.name} failed ${callFailure(r)}` };
    }
    const forked = { ...fork, forkLsn: r.result.forkLsn ?? null, newTimeline: r.result.timeline ?? null };
    return {
      ok: true,
      fork: forked,
      detail: `${candidate.name} promoted with epoch ${epoch}${r.result.alreadyDone ? ' (already done by an earlier attempt)' : ''}; timeline ${r.result.timeline ?? 'unknown'}, forked from timeline ${oldTimeline ?? 'unknown'} at ${forked.forkLsn ?? 'an unknown LSN'}`,
    };
  },

  // The candidate's agent reports a reachable primary on a newer timeline.
  async verify({ candidate, oldTimeline, fork, deadline, wait }) {
    let seen = 'no answer';
    for (;;) {
      const s = await memberStatus(candidate);
      const tl = s?.postgres.timeline ?? null;
      if (s && s.postgres.reachable && s.postgres.role === 'primary' && tl !== null && (oldTimeline === null || tl > oldTimeline)) {
        // the fork point belongs to the timeline the promote answered; a different one leaves it unknown
        return { ok: true, fork: fork.newTimeline !== tl ? { ...fork, newTimeline: tl, forkLsn: null } : fork, detail: `${candidate.name} is primary on timeline ${tl} (was ${oldTimeline ?? 'unknown'})` };
      }
      seen = s ? `role ${s.postgres.role}, timeline ${tl ?? 'unknown'}` : 'no answer';
      if (Date.now() > deadline) return { ok: false, seen };
      await wait();
    }
  },
};

/** Rejoin: pg_rewind a stopped node fenced at `epoch` from the new primary at `from` (POST /v1/rewind; the agent's bound plus slack). */
export const rewindMember = async (m: TLoadedMember, epoch: number, from: { host: string; port: number }, reason: string) =>
  post(m, '/v1/rewind', { epoch, host: from.host, port: from.port, reason }, (REWIND_TIMEOUT_S + 300) * 1000);

/** Rejoin when pg_rewind cannot work: a fresh pg_basebackup from `from` into a stopped node fenced at `epoch`, the old data directory moved aside (POST /v1/basebackup). */
export const basebackupMember = async (m: TLoadedMember, epoch: number, from: { host: string; port: number }, reason: string) =>
  post(m, '/v1/basebackup', { epoch, host: from.host, port: from.port, reason }, (BASEBACKUP_TIMEOUT_S + 60) * 1000);

/** Rejoin: delete the data directory a base backup moved aside, once the node streams (POST /v1/discard-aside). */
export const discardAsideMember = async (m: TLoadedMember, epoch: number, reason: string) => post(m, '/v1/discard-aside', { epoch, reason }, 120_000);
