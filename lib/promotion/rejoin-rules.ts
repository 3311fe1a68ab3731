// Rejoin after a failover (issue 15 item 4): the pure decision whether a member may be rewound onto the
// new primary's timeline now, from what the agents answer now. Used when the request is made (a refusal
// is 409) and again by the executor before it touches the node. Fail closed:
//  - the member's agent must answer, and the member must not answer as a primary (writable, or fenced
//    while still running as one);
//  - exactly one other member answers as an unfenced primary (none: nothing to follow; two: split brain),
//    and it reports a replication address;
//  - the member must be fenced at exactly the cluster's epoch before it is rewound: fenced there -> rewind;
//    not fenced (a replica left on the old timeline) or fenced at an older epoch -> fenced with the
//    current epoch first (the agent stops it; a fence is idempotent); an agent that knows a newer epoch
//    than the cluster's -> refused.

/** Requests that block another request for the same member. */
export const OPEN_REJOIN_STATUSES = ['PENDING', 'APPROVED', 'EXECUTING'];
/** A rejoin request no executor has touched: it can still be rejected, cancelled (or expire, PENDING). */
export const REJOIN_NOT_STARTED = ['PENDING', 'APPROVED'];

export type TRejoinNodeView = {
  name: string;
  /** null: the agent did not answer */
  status: {
    reachable: boolean;
    role: 'primary' | 'replica' | 'unknown';
    fenced: boolean;
    fencingEpoch: number;
    timeline: number | null;
    replicationAddress: { host: string; port: number } | null;
  } | null;
};

export type TRejoinPlan =
  | { ok: true; fenceFirst: boolean; primary: string; primaryAddress: { host: string; port: number }; primaryTimeline: number | null }
  | { ok: false; code: 'MEMBER_IS_PRIMARY' | 'AGENT_UNREACHABLE' | 'NO_PRIMARY' | 'SPLIT_BRAIN' | 'NO_REPLICATION_ADDRESS' | 'NEWER_EPOCH'; message: string };

export function rejoinPlan(o: { member: string; epoch: number; nodes: TRejoinNodeView[] }): TRejoinPlan {
  const target = o.nodes.find((n) => n.name === o.member);
  if (!target?.status) return { ok: false, code: 'AGENT_UNREACHABLE', message: `${o.member}'s agent does not answer: nothing can be rewound` };
  const t = target.status;
  if (t.reachable && t.role === 'primary') {
    return { ok: false, code: 'MEMBER_IS_PRIMARY', message: `${o.member} answers as ${t.fenced ? 'a primary although fenced' : 'the writable primary'}: it is never rewound` };
  }
  const primaries = o.nodes.filter((n) => n.name !== o.member && n.status?.reachable && n.status.role === 'primary' && !n.status.fenced);
  if (primaries.length === 0) return { ok: false, code: 'NO_PRIMARY', message: 'no other member answers now as an unfenced primary: there is nothing to rejoin' };
  if (primaries.length > 1) return { ok: false, code: 'SPLIT_BRAIN', message: `${primaries.map((p) => p.name).join(' and ')} both answer as primaries` };
  const p = primaries[0];
  if (!p.status!.replicationAddress) return { ok: false, code: 'NO_REPLICATION_ADDRESS', message: `the primary ${p.name} reports no replication address (VAKT_AGENT_REPLICATION_ADDRESS)` };
  if (t.fencingEpoch > o.epoch) return { ok: false, code: 'NEWER_EPOCH', message: `${o.member}'s agent knows epoch ${t.fencingEpoch}, newer than the cluster's ${o.epoch}` };
  return { ok: true, fenceFirst: !(t.fenced && t.fencingEpoch === o.epoch), primary: p.name, primaryAddress: p.status!.replicationAddress, primaryTimeline: p.status!.timeline };
}

/** The agent's answer to POST /v1/rewind that means pg_rewind cannot do it: a fresh base backup is needed. */
export const needsBaseBackup = (code: string) => code === 'REWIND_NOT_POSSIBLE' || code === 'REWIND_FAILED';

/**
 * Whether the cluster page offers `Request rejoin` for a member (from the stored agent answers): only when
 * rejoinPlan would accept it now AND the member needs it — fenced (an old primary, or a rejoin that stopped),
 * PostgreSQL not answering (stopped), or answering on another timeline than the primary's (a replica left
 * on the old timeline). A healthy replica streaming on the primary's timeline is never offered. The request
 * itself asks the agents again (rejoinPlan on live answers).
 */
export function rejoinOffered(o: { member: string; epoch: number; nodes: TRejoinNodeView[] }): TRejoinPlan & { ok: true } | null {
  const plan = rejoinPlan(o);
  if (!plan.ok) return null;
  const t = o.nodes.find((n) => n.name === o.member)!.status!;
  const needs = t.fenced || !t.reachable || (t.timeline !== null && plan.primaryTimeline !== null && t.timeline !== plan.primaryTimeline);
  return needs ? plan : null;
}
