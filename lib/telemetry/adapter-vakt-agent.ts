import { agentRequest, AgentHttpError } from '@/lib/base/net/agent-http';
import { ZAgentStatus, type TAgentStatus } from '@/lib/agent/protocol';
import { joinUrl } from '@/lib/base/net/join-url';
import { unknownObservation, type TAdapter, type TObservation, type TPollTarget } from './observation';

// Vakt agent adapter: GET {agentUrl}/v1/status with the bearer token, validated with the shared
// protocol schema. Timeout, 5xx, garbage or a contradiction -> status 'unknown' with the reason.
export const pollVaktAgent: TAdapter = async (target, opts = {}) => {
  const now = opts.now ?? (() => new Date());
  let res;
  try {
    res = await agentRequest(joinUrl(target.agentUrl, '/v1/status'), { auth: { bearer: target.token }, timeoutMs: opts.timeoutMs });
  } catch (e) {
    const kind = e instanceof AgentHttpError ? e.kind : 'network';
    return unknownObservation(`agent ${kind === 'timeout' ? 'timed out' : 'unreachable'}: ${(e as Error).message}`, now());
  }
  if (res.status !== 200) {
    return unknownObservation(`agent answered HTTP ${res.status}${res.status === 401 || res.status === 403 ? ' (token rejected)' : ''}: ${res.body.slice(0, 200)}`, now());
  }
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch {
    return unknownObservation(`agent answered something that is not JSON: ${JSON.stringify(res.body.slice(0, 80))}`, now());
  }
  return mapAgentStatus(target, json, now());
};

/** Validate an agent answer and map it (pure; table-tested). */
export function mapAgentStatus(target: Pick<TPollTarget, 'name'>, json: unknown, at: Date): TObservation {
  const parsed = ZAgentStatus.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    return unknownObservation(`agent answer does not match protocol vakt.agent/v1: ${first.join('; ')}`, at);
  }
  const s = parsed.data;
  const contradiction = findContradiction(target.name, s);
  if (contradiction) return { ...unknownObservation(`agent answer contradicts itself: ${contradiction}`, at), payload: s };
  const pg = s.postgres;
  const base: TObservation = {
    observedAt: at,
    status: pg.reachable ? 'ok' : 'down',
    error: pg.reachable ? null : (pg.error ?? 'PostgreSQL not reachable'),
    role: pg.reachable ? pg.role : 'unknown',
    timeline: pg.timeline ?? null,
    systemIdentifier: pg.systemIdentifier ?? null,
    lsn: pg.role === 'primary' ? (pg.currentLsn ?? null) : null,
    receiveLsn: pg.role === 'replica' ? (pg.receiveLsn ?? null) : null,
    replayLsn: pg.role === 'replica' ? (pg.replayLsn ?? null) : null,
    lagBytes: null,
    lagSeconds: null,
    syncState: null,
    fenced: s.fencing.fenced,
    fenceEpoch: s.fencing.epoch,
    freeBytes: s.storage?.freeBytes ?? null,
    totalBytes: s.storage?.totalBytes ?? null,
    payload: s,
  };
  return base;
}

function findContradiction(expectedName: string, s: TAgentStatus): string | null {
  if (s.node.name !== expectedName) return `it reports node "${s.node.name}" but is registered as "${expectedName}"`;
  const pg = s.postgres;
  if (!pg.reachable) return null;
  if (pg.role === 'primary' && !pg.currentLsn) return 'role primary without a current LSN';
  if (pg.role === 'replica' && !pg.replayLsn && !pg.receiveLsn) return 'role replica without receive or replay LSN';
  if (pg.role === 'primary' && (pg.receiveLsn || pg.replayLsn)) return 'role primary but reports recovery LSNs';
  if (pg.timeline !== null && pg.timeline !== undefined && pg.timeline < 1) return `timeline ${pg.timeline}`;
  if (s.storage && s.storage.freeBytes > s.storage.totalBytes) return 'free storage larger than total storage';
  return null;
}
