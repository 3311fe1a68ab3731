import type { TObservation } from './observation';

// Events from one node's previous and new observation, and cluster-level signals from all members
// before and after a write (pure; table-tested).
export type TPrevObservation = {
  status: string;
  role: string;
  timeline: number | null;
  systemIdentifier: string | null;
  fenced: boolean;
  fenceEpoch: number | null;
  error: string | null;
} | null;
export type TEventDraft = { kind: string; severity: 'info' | 'warning' | 'critical'; memberName: string | null; message: string; data?: Record<string, unknown> };

export function nodeEvents(name: string, prev: TPrevObservation, next: TObservation): TEventDraft[] {
  const out: TEventDraft[] = [];
  if (!prev) {
    out.push({ kind: 'node.first_seen', severity: 'info', memberName: name, message: `${name} first observed: ${describe(next)}`, data: { status: next.status, role: next.role, timeline: next.timeline } });
    if (next.status !== 'ok') out.push(unreachable(name, next));
    return out;
  }
  if (prev.status === 'ok' && next.status !== 'ok') out.push(unreachable(name, next));
  else if (prev.status !== 'ok' && next.status === 'ok') {
    out.push({ kind: 'node.recovered', severity: 'info', memberName: name, message: `${name} answers again (${describe(next)})`, data: { previousStatus: prev.status, previousError: prev.error } });
  } else if (prev.status !== next.status) {
    out.push(unreachable(name, next));
  }
  // Role and timeline are compared only between usable observations (unknown says nothing).
  if (next.status === 'ok' && prev.role !== 'unknown' && next.role !== 'unknown' && prev.role !== next.role) {
    out.push({ kind: 'node.role_changed', severity: next.role === 'primary' ? 'warning' : 'info', memberName: name, message: `${name} changed role: ${prev.role} → ${next.role}`, data: { from: prev.role, to: next.role, timeline: next.timeline } });
  }
  if (next.status === 'ok' && prev.timeline !== null && next.timeline !== null && prev.timeline !== next.timeline) {
    out.push({ kind: 'node.timeline_changed', severity: 'warning', memberName: name, message: `${name} timeline ${prev.timeline} → ${next.timeline}`, data: { from: prev.timeline, to: next.timeline } });
  }
  if (next.status === 'ok' && prev.systemIdentifier && next.systemIdentifier && prev.systemIdentifier !== next.systemIdentifier) {
    out.push({ kind: 'node.system_identifier_changed', severity: 'critical', memberName: name, message: `${name} is now a different database system (${prev.systemIdentifier} → ${next.systemIdentifier})`, data: { from: prev.systemIdentifier, to: next.systemIdentifier } });
  }
  if (next.status !== 'unknown' && (prev.fenced !== next.fenced || (next.fenceEpoch !== null && prev.fenceEpoch !== null && prev.fenceEpoch !== next.fenceEpoch))) {
    out.push({
      kind: next.fenced ? 'node.fenced' : prev.fenced ? 'node.unfenced' : 'node.fence_epoch_changed',
      severity: next.fenced ? 'warning' : 'info',
      memberName: name,
      message: next.fenced ? `${name} is fenced (epoch ${next.fenceEpoch})` : prev.fenced ? `${name} is no longer fenced (epoch ${next.fenceEpoch})` : `${name} fencing epoch ${prev.fenceEpoch} → ${next.fenceEpoch}`,
      data: { fenced: next.fenced, epoch: next.fenceEpoch, previousEpoch: prev.fenceEpoch },
    });
  }
  return out;
}

function unreachable(name: string, o: TObservation): TEventDraft {
  return o.status === 'down'
    ? { kind: 'node.down', severity: 'critical', memberName: name, message: `${name}: PostgreSQL is down (${o.error ?? 'no detail'})`, data: { error: o.error } }
    : { kind: 'node.unreachable', severity: 'critical', memberName: name, message: `${name} is unknown: ${o.error ?? 'no usable answer'}`, data: { error: o.error } };
}
function describe(o: TObservation): string {
  return o.status === 'ok' ? `${o.role}${o.timeline ? `, timeline ${o.timeline}` : ''}` : `${o.status}${o.error ? `: ${o.error}` : ''}`;
}

export type TMemberSignal = { name: string; status: string; role: string; timeline: number | null; systemIdentifier: string | null; fenced: boolean };
export type TClusterSignals = { claimants: string[]; timelines: number[]; systemIdentifiers: string[] };

export function clusterSignals(members: TMemberSignal[]): TClusterSignals {
  const ok = members.filter((m) => m.status === 'ok');
  return {
    claimants: ok.filter((m) => m.role === 'primary' && !m.fenced).map((m) => m.name).sort(),
    timelines: [...new Set(ok.map((m) => m.timeline).filter((t): t is number => t !== null))].sort((a, b) => a - b),
    systemIdentifiers: [...new Set(ok.map((m) => m.systemIdentifier).filter((s): s is string => Boolean(s)))].sort(),
  };
}

/** Cluster-level events when the split-brain signals change between before and after. */
export function clusterEvents(before: TClusterSignals, after: TClusterSignals): TEventDraft[] {
  const out: TEventDraft[] = [];
  if (before.claimants.length !== after.claimants.length) {
    const n = after.claimants.length;
    out.push({
      kind: n >= 2 ? 'cluster.split_brain' : n === 0 ? 'cluster.no_primary' : 'cluster.primary_count_changed',
      severity: n === 1 ? 'info' : 'critical',
      memberName: null,
      message:
        n >= 2 ? `split-brain: ${n} members claim primary (${after.claimants.join(', ')})` : n === 0 ? 'no member claims primary' : `one primary again: ${after.claimants[0]}`,
      data: { before: before.claimants, after: after.claimants },
    });
  }
  if ((before.timelines.length > 1) !== (after.timelines.length > 1)) {
    out.push(
      after.timelines.length > 1
        ? { kind: 'cluster.timelines_diverged', severity: 'warning', memberName: null, message: `members are on different timelines (${after.timelines.join(', ')})`, data: { timelines: after.timelines } }
        : { kind: 'cluster.timelines_converged', severity: 'info', memberName: null, message: `all members on timeline ${after.timelines[0] ?? '?'}`, data: { timelines: after.timelines } },
    );
  }
  if ((before.systemIdentifiers.length > 1) !== (after.systemIdentifiers.length > 1)) {
    out.push(
      after.systemIdentifiers.length > 1
        ? { kind: 'cluster.system_identifiers_diverged', severity: 'critical', memberName: null, message: `members report different database systems (${after.systemIdentifiers.join(', ')}): split-brain or mis-registration`, data: { systemIdentifiers: after.systemIdentifiers } }
        : { kind: 'cluster.system_identifiers_converged', severity: 'info', memberName: null, message: 'all members report one database system again', data: { systemIdentifiers: after.systemIdentifiers } },
    );
  }
  return out;
}
