import { ZAgentError, ZDrillState, type TDrillRequest, type TDrillState } from '@/lib/agent/protocol';
import { agentRequest } from '@/lib/base/net/agent-http';
import { joinUrl } from '@/lib/base/net/join-url';

// The worker's calls to a drill host (docs/agent-protocol.md "Restore drills"), through the
// SSRF-guarded client. Never throws: an answer, or why there is none.

export type TDrillCall = { ok: true; state: TDrillState } | { ok: false; status: number | null; code: string; message: string };

export async function callDrillHost(host: { url: string; token: string | null }, method: 'POST' | 'GET' | 'DELETE', drillId: string, body?: TDrillRequest, timeoutMs = 15_000): Promise<TDrillCall> {
  const path = method === 'POST' ? '/v1/drills' : `/v1/drills/${encodeURIComponent(drillId)}`;
  try {
    const res = await agentRequest(joinUrl(host.url, path), { method, body, auth: { bearer: host.token }, timeoutMs });
    let json: unknown = null;
    try {
      json = JSON.parse(res.body);
    } catch {
      /* not JSON */
    }
    if (res.status >= 200 && res.status < 300) {
      const s = ZDrillState.safeParse(json);
      return s.success ? { ok: true, state: s.data } : { ok: false, status: res.status, code: 'BAD_ANSWER', message: `unexpected answer: ${res.body.slice(0, 300)}` };
    }
    const err = ZAgentError.safeParse(json);
    return { ok: false, status: res.status, code: err.success ? err.data.error.code : `HTTP_${res.status}`, message: err.success ? err.data.error.message : res.body.slice(0, 300) };
  } catch (e) {
    return { ok: false, status: null, code: 'UNREACHABLE', message: (e as Error).message };
  }
}
