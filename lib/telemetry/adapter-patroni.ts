import { z } from 'zod';
import { agentRequest, AgentHttpError } from '@/lib/base/net/agent-http';
import { joinUrl } from '@/lib/base/net/join-url';
import { bytesToLsn, isLsn, type TNodeRole } from '@/lib/pg';
import type { TAgentStatus } from '@/lib/agent/protocol';
import { pollVaktAgent } from './adapter-vakt-agent';
import { unknownObservation, type TAdapter, type TAdapterOptions, type TObservation, type TPollTarget } from './observation';

// Patroni adapter: a member's REST API (GET /cluster, /patroni, /history; basic auth when the token
// is user:password) mapped into the observation model. Reads Patroni 3.0 answers (role "master",
// `lag` only, integer xlog positions) and 4.x answers (role "primary", plus receive_lag/replay_lag
// and lsn/receive_lsn/replay_lsn per member).
const ZLag = z.union([z.number(), z.string()]).nullable().optional();
const ZPosition = z.union([z.number(), z.string()]).nullable().optional();

export const ZPatroniMember = z
  .object({
    name: z.string(),
    role: z.string(),
    state: z.string().optional(),
    api_url: z.string().optional(),
    host: z.string().optional(),
    port: z.number().optional(),
    timeline: z.number().int().optional(),
    lag: ZLag,
    receive_lag: ZLag,
    replay_lag: ZLag,
    lsn: ZPosition,
    receive_lsn: ZPosition,
    replay_lsn: ZPosition,
    tags: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();
export const ZPatroniCluster = z.object({ members: z.array(ZPatroniMember), pause: z.boolean().optional(), scope: z.string().optional() }).loose();
export const ZPatroniNode = z
  .object({
    state: z.string(),
    role: z.string(),
    server_version: z.number().optional(),
    timeline: z.number().int().optional(),
    database_system_identifier: z.string().optional(),
    pause: z.boolean().optional(),
    xlog: z
      .object({
        location: z.number().optional(),
        received_location: z.number().optional(),
        replayed_location: z.number().optional(),
        replayed_timestamp: z.string().nullable().optional(),
        paused: z.boolean().optional(),
      })
      .loose()
      .optional(),
    replication: z.array(z.object({ application_name: z.string(), state: z.string().optional(), sync_state: z.string().optional() }).loose()).optional(),
    replication_state: z.string().optional(),
    sync_standby: z.boolean().optional(),
    patroni: z.object({ version: z.string(), scope: z.string().optional(), name: z.string().optional() }).loose().optional(),
  })
  .loose();
/** [timeline, lsn, reason, timestamp?, newLeader?] */
export const ZPatroniHistory = z.array(z.tuple([z.number().int(), z.number(), z.string()], z.unknown()));

export type TPatroniAnswers = { cluster: unknown; patroni: unknown; history: unknown };

async function getJson(url: string, token: string | null, timeoutMs?: number, okStatuses = [200]): Promise<unknown> {
  const res = await agentRequest(url, { auth: { basic: token && token.includes(':') ? token : null }, timeoutMs });
  if (!okStatuses.includes(res.status)) throw new Error(`${new URL(url).pathname} answered HTTP ${res.status}${res.status === 401 ? ' (credentials rejected)' : ''}`);
  try {
    return JSON.parse(res.body);
  } catch {
    throw new Error(`${new URL(url).pathname} answered something that is not JSON`);
  }
}

/**
 * What the Vakt agent beside a Patroni member answered in this poll (stored in the payload as
 * `fenceAgent`; a member with a fence agent stores it on every poll, so it is never an earlier answer).
 */
export type TFenceAgentAnswer = { answered: true; status: TAgentStatus } | { answered: false; error: string };

async function pollFenceAgent(target: TPollTarget, opts: TAdapterOptions): Promise<TFenceAgentAnswer | null> {
  if (!target.fenceAgent) return null;
  const o = await pollVaktAgent({ ...target, kind: 'vakt-agent', agentUrl: target.fenceAgent.url, token: target.fenceAgent.token, fenceAgent: null }, opts);
  return o.status === 'unknown' ? { answered: false, error: o.error ?? 'no usable answer' } : { answered: true, status: o.payload as TAgentStatus };
}

/** The observation with the fence agent's answer: in the payload, and its fencing state as the member's. */
function withFenceAgent(obs: TObservation, fa: TFenceAgentAnswer | null): TObservation {
  if (!fa) return obs;
  const payload = { ...((obs.payload as Record<string, unknown> | null) ?? {}), fenceAgent: fa };
  if (!fa.answered) return { ...obs, payload };
  return { ...obs, payload, fenced: fa.status.fencing.fenced, fenceEpoch: fa.status.fencing.epoch };
}

const pollPatroniApi: TAdapter = async (target, opts = {}) => {
  const now = opts.now ?? (() => new Date());
  let answers: TPatroniAnswers;
  try {
    // /patroni answers 200 on every node (503 only from health endpoints); accept 503 defensively.
    const [cluster, patroni, history] = await Promise.all([
      getJson(joinUrl(target.agentUrl, '/cluster'), target.token, opts.timeoutMs),
      getJson(joinUrl(target.agentUrl, '/patroni'), target.token, opts.timeoutMs, [200, 503]),
      getJson(joinUrl(target.agentUrl, '/history'), target.token, opts.timeoutMs).catch(() => []),
    ]);
    answers = { cluster, patroni, history };
  } catch (e) {
    const kind = e instanceof AgentHttpError ? e.kind : null;
    return unknownObservation(`Patroni ${kind === 'timeout' ? 'timed out' : 'unusable'}: ${(e as Error).message}`, now());
  }
  return mapPatroni(target, answers, now());
};

/** A Patroni member: its REST API and, when registered, the Vakt agent beside it (in parallel). */
export const pollPatroni: TAdapter = async (target, opts = {}) => {
  const [obs, fa] = await Promise.all([pollPatroniApi(target, opts), pollFenceAgent(target, opts)]);
  return withFenceAgent(obs, fa);
};

const lsnOf = (v: number | string | null | undefined): string | null => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return bytesToLsn(v);
  return isLsn(v) ? v.toUpperCase() : /^\d+$/.test(v) ? bytesToLsn(Number(v)) : null;
};
const lagOf = (v: number | string | null | undefined): number | null => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null);

function roleOf(r: string | undefined): TNodeRole {
  if (!r) return 'unknown';
  if (['master', 'primary', 'leader', 'standby_leader'].includes(r)) return 'primary';
  if (['replica', 'sync_standby', 'quorum_standby', 'standby'].includes(r)) return 'replica';
  return 'unknown';
}

/** PostgreSQL states in which Patroni's own answer proves PostgreSQL is not running (not starting, not stopping). */
export const PATRONI_STOPPED_STATES = ['stopped', 'crashed', 'start failed', 'stop failed'] as const;
const LEADER_ROLES = ['leader', 'master', 'primary', 'standby_leader'];

/** What one member's Patroni says, as the safety engine reads it (lib/safety/engine TPatroniFacts). */
export type TPatroniFacts = {
  paused: boolean | null;
  /** PostgreSQL's state per this member's /patroni (running, stopped, crashed, starting, ...) */
  state: string | null;
  /** every member as this member's /cluster lists it (role and state from the DCS) */
  members: Array<{ name: string; role: string | null; state: string | null }>;
  /** the leader only: the members its /patroni lists streaming from it (pg_stat_replication application names) */
  streaming?: string[];
};
export type TPatroniWalReceiver = {
  status: string | null;
  senderNode: string | null;
  receivedTimeline: number | null;
  flushedLsn: string | null;
  lastMsgReceiptTime: null;
};

/**
 * Streaming evidence and Patroni facts from a stored Patroni payload ({cluster, patroni, history}; pure).
 * A replica whose Patroni says it streams (/patroni replication_state, or its own /cluster entry in
 * state "streaming") gets a walReceiver-like record: status streaming, the sender the leader its
 * /cluster names (or its replicatefrom tag; none named = null, which the engine counts as the
 * expected primary: fail closed). Null when the payload is not a Patroni answer.
 */
export function patroniFacts(payload: unknown, memberName: string): { patroni: TPatroniFacts; walReceiver: TPatroniWalReceiver | null } | null {
  const pl = payload as { cluster?: unknown; patroni?: unknown } | null;
  if (!pl || typeof pl !== 'object' || !('cluster' in pl) || !('patroni' in pl)) return null;
  const c = ZPatroniCluster.safeParse(pl.cluster);
  const p = ZPatroniNode.safeParse(pl.patroni);
  if (!c.success || !p.success) return null;
  const node = p.data;
  const members = c.data.members.map((m) => ({ name: m.name, role: m.role ?? null, state: m.state ?? null }));
  const facts: TPatroniFacts = { paused: Boolean(c.data.pause ?? node.pause ?? false), state: node.state ?? null, members };
  if (node.replication) facts.streaming = node.replication.filter((r) => r.state === 'streaming').map((r) => r.application_name);
  const me = c.data.members.find((m) => m.name === memberName);
  const running = node.state === 'running' || node.state === 'streaming';
  const streams = running && roleOf(node.role) === 'replica' && (node.replication_state === 'streaming' || me?.state === 'streaming');
  if (!streams) return { patroni: facts, walReceiver: null };
  const tag = me?.tags?.replicatefrom;
  const leader = c.data.members.find((m) => m.name !== memberName && LEADER_ROLES.includes(m.role));
  return {
    patroni: facts,
    walReceiver: {
      status: 'streaming',
      senderNode: typeof tag === 'string' && tag ? tag : (leader?.name ?? null),
      receivedTimeline: node.timeline ?? me?.timeline ?? null,
      flushedLsn: lsnOf(node.xlog?.received_location) ?? lsnOf(me?.receive_lsn) ?? null,
      lastMsgReceiptTime: null,
    },
  };
}

/** Map the three Patroni answers of one member (pure; table-tested against 3.0 and 4.x fixtures). */
export function mapPatroni(target: Pick<TPollTarget, 'name'>, answers: TPatroniAnswers, at: Date): TObservation {
  const c = ZPatroniCluster.safeParse(answers.cluster);
  const p = ZPatroniNode.safeParse(answers.patroni);
  if (!c.success) return unknownObservation(`Patroni /cluster answer not understood: ${c.error.issues[0]?.path.join('.')}: ${c.error.issues[0]?.message}`, at);
  if (!p.success) return unknownObservation(`Patroni /patroni answer not understood: ${p.error.issues[0]?.path.join('.')}: ${p.error.issues[0]?.message}`, at);
  const h = ZPatroniHistory.safeParse(answers.history);
  const history = h.success ? h.data : [];
  const cluster = c.data;
  const node = p.data;
  const payload = { cluster, patroni: node, history };
  if (node.patroni?.name && node.patroni.name !== target.name) {
    return { ...unknownObservation(`Patroni answer contradicts the registration: it is member "${node.patroni.name}", registered as "${target.name}"`, at), payload };
  }
  const me = cluster.members.find((m) => m.name === target.name);
  const paused = Boolean(cluster.pause ?? node.pause ?? false);
  const running = node.state === 'running' || node.state === 'streaming';
  const role = running ? roleOf(node.role) : 'unknown';
  if (running && me && role !== 'unknown' && roleOf(me.role) !== 'unknown' && roleOf(me.role) !== role) {
    return { ...unknownObservation(`Patroni answers contradict each other: /patroni says ${node.role}, /cluster says ${me.role}`, at), payload, paused };
  }
  const x = node.xlog ?? {};
  const timeline = node.timeline ?? me?.timeline ?? null;
  const lagBytes = role === 'replica' ? (lagOf(me?.replay_lag) ?? lagOf(me?.lag)) : null;
  let syncState: string | null = null;
  if (role === 'replica') syncState = me?.role === 'sync_standby' || node.sync_standby ? 'sync' : me?.role === 'quorum_standby' ? 'quorum' : 'async';
  return {
    observedAt: at,
    status: running ? 'ok' : 'down',
    error: running ? null : `Patroni reports PostgreSQL ${node.state}`,
    role,
    timeline,
    systemIdentifier: node.database_system_identifier ?? null,
    lsn: role === 'primary' ? (lsnOf(x.location) ?? lsnOf(me?.lsn)) : null,
    receiveLsn: role === 'replica' ? (lsnOf(x.received_location) ?? lsnOf(me?.receive_lsn)) : null,
    replayLsn: role === 'replica' ? (lsnOf(x.replayed_location) ?? lsnOf(me?.replay_lsn) ?? lsnOf(me?.lsn)) : null,
    lagBytes,
    // Patroni reports lag in bytes only; seconds are derived by the poller from replay timestamps where possible.
    lagSeconds: null,
    syncState,
    fenced: false,
    fenceEpoch: null,
    freeBytes: null,
    totalBytes: null,
    paused,
    payload: { ...payload, history },
  };
}
