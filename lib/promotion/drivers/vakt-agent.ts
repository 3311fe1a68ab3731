// Calls from the executor to a member's agent (or Patroni), through the SSRF-guarded client.
import { ZActionResult, ZAgentError, ZAgentStatus, type TActionResult, type TAgentStatus } from '@/lib/agent/protocol';
import { bytesToLsn } from '@/lib/telemetry/observation';
import { openSecret } from '@/lib/base/secret-box';
import { agentRequest, AgentHttpError } from '@/lib/base/net/agent-http';
import type { TLoadedMember } from '@/lib/safety/load-safety-input';

export type TAgentCallResult =
  | { ok: true; result: TActionResult }
  | { ok: false; reachable: boolean; status: number | null; code: string; message: string };

const join = (base: string, p: string) => base.replace(/\/+$/, '') + p;
const token = (m: TLoadedMember) => (m.agentTokenEnc ? openSecret(m.agentTokenEnc) : null);

async function post(m: TLoadedMember, path: string, body: unknown, timeoutMs: number): Promise<TAgentCallResult> {
  try {
    const res = await agentRequest(join(m.agentUrl, path), { method: 'POST', body, auth: { bearer: token(m) }, timeoutMs });
    let json: unknown = null;
    try {
      json = JSON.parse(res.body);
    } catch {
      /* not JSON */
    }
    if (res.status >= 200 && res.status < 300) {
      const r = ZActionResult.safeParse(json);
      if (r.success && r.data.ok) return { ok: true, result: r.data };
      return { ok: false, reachable: true, status: res.status, code: 'BAD_ANSWER', message: `unexpected answer: ${res.body.slice(0, 300)}` };
    }
    const err = ZAgentError.safeParse(json);
    return {
      ok: false,
      reachable: res.status < 500,
      status: res.status,
      code: err.success ? err.data.error.code : `HTTP_${res.status}`,
      message: err.success ? err.data.error.message : res.body.slice(0, 300),
    };
  } catch (e) {
    const kind = e instanceof AgentHttpError ? e.kind : 'network';
    return { ok: false, reachable: false, status: null, code: kind.toUpperCase(), message: (e as Error).message };
  }
}

export const fenceMember = (m: TLoadedMember, epoch: number, reason: string, timeoutMs = 60_000) => post(m, '/v1/fence', { epoch, reason }, timeoutMs);
export const promoteMember = (m: TLoadedMember, epoch: number, timeoutMs = 90_000) => post(m, '/v1/promote', { epoch }, timeoutMs);

export async function memberStatus(m: TLoadedMember, timeoutMs = 5_000): Promise<TAgentStatus | null> {
  try {
    const res = await agentRequest(join(m.agentUrl, '/v1/status'), { auth: { bearer: token(m) }, timeoutMs });
    if (res.status !== 200) return null;
    const r = ZAgentStatus.safeParse(JSON.parse(res.body));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- Patroni

export async function patroniFailover(m: TLoadedMember, candidate: string, timeoutMs = 60_000): Promise<{ ok: boolean; status: number | null; message: string }> {
  try {
    const res = await agentRequest(join(m.agentUrl, '/failover'), { method: 'POST', body: { candidate }, auth: { basic: token(m) }, timeoutMs });
    return { ok: res.status >= 200 && res.status < 300, status: res.status, message: res.body.slice(0, 300) };
  } catch (e) {
    return { ok: false, status: null, message: (e as Error).message };
  }
}

export async function patroniLeader(m: TLoadedMember, timeoutMs = 5_000): Promise<{ leader: string | null; timeline: number | null } | null> {
  try {
    const res = await agentRequest(join(m.agentUrl, '/cluster'), { auth: { basic: token(m) }, timeoutMs });
    if (res.status !== 200) return null;
    const body = JSON.parse(res.body) as { members?: Array<{ name: string; role: string; timeline?: number; state?: string }> };
    const leader = body.members?.find((x) => (x.role === 'leader' || x.role === 'primary') && (x.state === undefined || x.state === 'running'));
    return { leader: leader?.name ?? null, timeline: leader?.timeline ?? null };
  } catch {
    return null;
  }
}

/**
 * Where the leader's current timeline forked, from Patroni's GET /history (the leader's timeline
 * history: rows [timeline, switch LSN in bytes, reason, ...]; the last row is the fork into the current
 * timeline). Null when Patroni does not answer or the answer is not that shape (the fork stays unknown).
 */
export async function patroniFork(m: TLoadedMember, newTimeline: number, timeoutMs = 5_000): Promise<{ forkLsn: string; previousTimeline: number } | null> {
  try {
    const res = await agentRequest(join(m.agentUrl, '/history'), { auth: { basic: token(m) }, timeoutMs });
    if (res.status !== 200) return null;
    const rows = JSON.parse(res.body) as unknown;
    const last = Array.isArray(rows) ? rows[rows.length - 1] : null;
    if (!Array.isArray(last) || !Number.isInteger(last[0]) || !Number.isSafeInteger(last[1]) || last[1] < 0 || last[0] >= newTimeline) return null;
    return { forkLsn: bytesToLsn(last[1]), previousTimeline: last[0] };
  } catch {
    return null;
  }
}