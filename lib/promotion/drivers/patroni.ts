// The promotion driver for Patroni clusters: Patroni's REST API (POST /failover, GET /cluster,
// GET /history) through the SSRF-guarded client. Outside pause mode Patroni's leader lock fences the
// old leader; paused, the fence step proves it stopped (its REST API) or relies on an attestation
// while it is unreachable. Its timeline history gives the fork point.
import { agentRequest } from '@/lib/base/net/agent-http';
import { joinUrl } from '@/lib/base/net/join-url';
import { bytesToLsn } from '@/lib/pg';
import type { TLoadedCluster, TLoadedMember } from '@/lib/safety/load-safety-input';
import { PATRONI_STOPPED_STATES } from '@/lib/telemetry/adapter-patroni';
import { memberToken } from './member-token';
import { fenceAgentMember, fenceThroughAgent, promotionFenceReason } from './vakt-agent';
import type { TPromotionDriver } from './types';

/** How long verify waits, after the leader changed, for Patroni to publish the new timeline's history. */
const PATRONI_HISTORY_WAIT_MS = 10_000;

type TPatroniAnswer = { ok: boolean; status: number | null; message: string };

async function patroniPost(m: TLoadedMember, urlPath: string, body: unknown, timeoutMs: number): Promise<TPatroniAnswer> {
  try {
    const res = await agentRequest(joinUrl(m.agentUrl, urlPath), { method: 'POST', body, auth: { basic: memberToken(m) }, timeoutMs });
    return { ok: res.status >= 200 && res.status < 300, status: res.status, message: res.body.slice(0, 300) };
  } catch (e) {
    return { ok: false, status: null, message: (e as Error).message };
  }
}

export const patroniFailover = (m: TLoadedMember, candidate: string, timeoutMs = 60_000) => patroniPost(m, '/failover', { candidate }, timeoutMs);

/**
 * A planned switchover through Patroni (POST /switchover {leader, candidate} on the leader), immediate:
 * Vakt keeps the schedule itself (Patroni refuses `scheduled_at` while paused, and accepts a switchover
 * to a named candidate paused or not). Patroni answers once the candidate holds the leader key.
 */
export const patroniSwitchover = (leader: TLoadedMember, candidate: string, timeoutMs = 90_000) => patroniPost(leader, '/switchover', { leader: leader.name, candidate }, timeoutMs);

type TPatroniListed = { name: string; role: string; timeline?: number; state?: string };

/** The members Patroni's GET /cluster (asked of `m`) lists; null when it does not answer. */
async function patroniClusterMembers(m: TLoadedMember, timeoutMs: number): Promise<TPatroniListed[] | null> {
  try {
    const res = await agentRequest(joinUrl(m.agentUrl, '/cluster'), { auth: { basic: memberToken(m) }, timeoutMs });
    if (res.status !== 200) return null;
    return (JSON.parse(res.body) as { members?: TPatroniListed[] }).members ?? [];
  } catch {
    return null;
  }
}

export async function patroniLeader(m: TLoadedMember, timeoutMs = 5_000): Promise<{ leader: string | null; timeline: number | null } | null> {
  const members = await patroniClusterMembers(m, timeoutMs);
  if (!members) return null;
  const leader = members.find((x) => (x.role === 'leader' || x.role === 'primary') && (x.state === undefined || x.state === 'running'));
  return { leader: leader?.name ?? null, timeline: leader?.timeline ?? null };
}

/** One member as Patroni's GET /cluster (asked of `via`) lists it; null when Patroni does not answer or does not list it. */
export async function patroniMemberState(via: TLoadedMember, name: string, timeoutMs = 5_000): Promise<{ role: string; state: string | null; timeline: number | null } | null> {
  const m = (await patroniClusterMembers(via, timeoutMs))?.find((x) => x.name === name);
  return m ? { role: m.role, state: m.state ?? null, timeline: m.timeline ?? null } : null;
}

/**
 * Where the leader's current timeline forked, from Patroni's GET /history (the leader's timeline
 * history: rows [timeline, switch LSN in bytes, reason, ...]; the last row is the fork into the current
 * timeline). Null when Patroni does not answer or the answer is not that shape (the fork stays unknown).
 */
export async function patroniFork(m: TLoadedMember, newTimeline: number, timeoutMs = 5_000): Promise<{ forkLsn: string; previousTimeline: number } | null> {
  try {
    const res = await agentRequest(joinUrl(m.agentUrl, '/history'), { auth: { basic: memberToken(m) }, timeoutMs });
    if (res.status !== 200) return null;
    const rows = JSON.parse(res.body) as unknown;
    const last = Array.isArray(rows) ? rows[rows.length - 1] : null;
    if (!Array.isArray(last) || !Number.isInteger(last[0]) || !Number.isSafeInteger(last[1]) || last[1] < 0 || last[0] >= newTimeline) return null;
    return { forkLsn: bytesToLsn(last[1]), previousTimeline: last[0] };
  } catch {
    return null;
  }
}

/** Pause mode per the first member whose /cluster answers; null when none does. */
async function patroniPausedNow(cluster: TLoadedCluster, timeoutMs = 5_000): Promise<boolean | null> {
  for (const m of cluster.members) {
    try {
      const res = await agentRequest(joinUrl(m.agentUrl, '/cluster'), { auth: { basic: memberToken(m) }, timeoutMs });
      if (res.status !== 200) continue;
      const body = JSON.parse(res.body) as { pause?: boolean };
      return Boolean(body.pause);
    } catch {
      /* next member */
    }
  }
  return null;
}

/** PostgreSQL's state as the member's own Patroni reports it (GET /patroni answers 200 or 503 with the state). */
async function patroniState(m: TLoadedMember, timeoutMs = 5_000): Promise<{ answered: true; state: string | null } | { answered: false; error: string }> {
  let res: Awaited<ReturnType<typeof agentRequest>>;
  try {
    res = await agentRequest(joinUrl(m.agentUrl, '/patroni'), { auth: { basic: memberToken(m) }, timeoutMs });
  } catch (e) {
    return { answered: false, error: (e as Error).message };
  }
  // something answers: unless it says PostgreSQL is stopped, it is not proven stopped (never "unreachable")
  if (res.status !== 200 && res.status !== 503) return { answered: true, state: null };
  try {
    const body = JSON.parse(res.body) as { state?: unknown };
    return { answered: true, state: typeof body.state === 'string' ? body.state : null };
  } catch {
    return { answered: true, state: null };
  }
}

type TLeader = NonNullable<Awaited<ReturnType<typeof patroniLeader>>>;
/** Patroni names `candidate` the leader, on a timeline newer than the old one (when both are known). */
const leads = (s: TLeader, candidate: string, oldTimeline: number | null) =>
  s.leader === candidate && (oldTimeline === null || s.timeline === null || s.timeline > oldTimeline);

export const patroniDriver: TPromotionDriver = {
  kind: 'patroni',

  async fence({ promotionId, cluster, oldPrimary, candidate, epoch, attestation }) {
    // Outside pause mode Patroni demotes a leader that cannot renew its lock. Paused (or pause unknown),
    // it does not: a Vakt agent registered beside the old leader fences it with the epoch; failing
    // that agent being reachable, the old leader's REST API must answer now with PostgreSQL stopped, or
    // the old leader is unreachable and the operators' attestation stands in. A fence that was
    // attempted and failed, or a leader that answers and is not stopped: fail.
    const paused = await patroniPausedNow(cluster);
    if (paused === false) return { ok: true, detail: `Patroni's leader lock fences ${oldPrimary ?? 'the old leader'} (not paused)` };
    const old = cluster.members.find((m) => m.name === oldPrimary);
    if (!old) return { ok: false, message: `Patroni is ${paused ? 'paused' : 'of unknown pause state'} and the old leader ${oldPrimary ?? '(none recorded)'} is not a registered member: Vakt cannot prove it stopped` };
    const agent = fenceAgentMember(old);
    let agentError: string | null = null;
    if (agent) {
      const r = await fenceThroughAgent(agent, { epoch, reason: promotionFenceReason(promotionId, candidate, epoch) });
      if (r.outcome === 'fenced') return { ok: true, detail: `Patroni is paused; the Vakt agent beside ${old.name} fenced it with epoch ${epoch}: ${r.detail}` };
      if (r.outcome === 'failed') {
        return { ok: false, message: `Patroni is paused and fencing ${old.name} through the Vakt agent beside it failed ${r.message}${attestation ? '; the fence was attempted, so the attestation (which covers only an unreachable old leader) does not stand in' : ''}` };
      }
      agentError = r.message;
    }
    const via = agentError ? ` (the Vakt agent beside it is unreachable: ${agentError})` : '';
    const state = await patroniState(old);
    if (state.answered && state.state !== null && (PATRONI_STOPPED_STATES as readonly string[]).includes(state.state)) {
      return { ok: true, detail: `Patroni is paused; Patroni on ${old.name} answers that PostgreSQL is ${state.state}${via}` };
    }
    if (state.answered) return { ok: false, message: `Patroni is paused and Patroni on ${old.name} answers with PostgreSQL ${state.state ?? 'in an unknown state'}, not stopped: it may still accept writes (an attestation covers only an unreachable old leader)` };
    if (attestation) return { ok: true, detail: `Patroni is paused and ${old.name} does not answer (${state.error})${via}: relying on the attestation`, attested: { oldPrimary: old.name, error: state.error } };
    return { ok: false, message: `Patroni is paused and ${old.name} does not answer (${state.error})${via}; nobody attested it is fenced` };
  },

  async promote({ cluster, candidate, oldTimeline, fork, resumed, afterCall }) {
    // Patroni's POST /failover is not idempotent: repeated for a candidate that already leads, Patroni 3.0
    // answers 503 "Failover failed". So a resumed execution (or a failover whose result Patroni did not
    // wait for) first asks /cluster whether the candidate already leads on a newer timeline.
    const leadsAlready = async () => {
      const s = await patroniLeader(candidate);
      return s && leads(s, candidate.name, oldTimeline) ? s : null;
    };
    const before = resumed ? await leadsAlready() : null;
    if (before) return { ok: true, fork, detail: `${candidate.name} already leads on timeline ${before.timeline ?? 'unknown'} (already done by an earlier attempt)` };
    const via = [candidate, ...cluster.members.filter((m) => m !== candidate)];
    let last = '';
    for (const m of via) {
      const r = await patroniFailover(m, candidate.name);
      afterCall();
      if (r.ok) return { ok: true, fork, detail: `Patroni failover to ${candidate.name} accepted via ${m.name}: ${r.message}` };
      last = `${m.name}: ${r.status ?? ''} ${r.message}`;
      if (await leadsAlready()) return { ok: true, fork, detail: `${candidate.name} leads after the failover request although Patroni answered ${last}` };
    }
    return { ok: false, message: `Patroni refused the failover: ${last}` };
  },

  async verify({ candidate, oldTimeline, fork, deadline, wait }) {
    let seen = 'no answer';
    let leaderSeenAt: number | null = null;
    for (;;) {
      const s = await patroniLeader(candidate);
      if (s && leads(s, candidate.name, oldTimeline)) {
        // Patroni publishes the new timeline's history a few HA loops after the leader changes: wait a little for it
        leaderSeenAt ??= Date.now();
        const f = s.timeline === null ? null : await patroniFork(candidate, s.timeline);
        if (!f && s.timeline !== null && Date.now() - leaderSeenAt < PATRONI_HISTORY_WAIT_MS && Date.now() < deadline) {
          await wait();
          continue;
        }
        return {
          ok: true,
          fork: { ...fork, newTimeline: s.timeline, forkLsn: f?.forkLsn ?? null, previousTimeline: f?.previousTimeline ?? oldTimeline },
          detail: `Patroni reports ${candidate.name} as leader${s.timeline ? ` on timeline ${s.timeline}` : ''}${f ? `, forked from timeline ${f.previousTimeline} at ${f.forkLsn}` : ''}`,
        };
      }
      seen = s ? `leader ${s.leader ?? 'none'}` : 'no answer';
      if (Date.now() > deadline) return { ok: false, seen };
      await wait();
    }
  },
};
