// A simple cluster state from the latest member observations (pure). The lead will switch callers
// to lib/safety's deriveClusterState; this one exists so reads and metrics work on their own.
export type TClusterState = 'HEALTHY' | 'DEGRADED' | 'PRIMARY_DOWN' | 'SPLIT_BRAIN' | 'UNKNOWN';
export type TStateMember = {
  status: string | null;
  role: string | null;
  timeline: number | null;
  systemIdentifier: string | null;
  observedAt: Date | null;
  fenced?: boolean;
};

export function simpleClusterState(members: TStateMember[], nowMs: number, staleAfterMs: number): TClusterState {
  const fresh = members.filter((m) => m.observedAt && nowMs - m.observedAt.getTime() <= staleAfterMs);
  const ok = fresh.filter((m) => m.status === 'ok');
  const claimants = ok.filter((m) => m.role === 'primary' && !m.fenced);
  const systemIds = new Set(ok.map((m) => m.systemIdentifier).filter(Boolean));
  if (claimants.length >= 2 || systemIds.size > 1) return 'SPLIT_BRAIN';
  if (!members.length || !ok.length) return 'UNKNOWN';
  if (claimants.length === 0) return 'PRIMARY_DOWN';
  const primaryTl = claimants[0].timeline;
  const allHealthy =
    ok.length === members.length && ok.every((m) => m.role === 'primary' || (m.role === 'replica' && (m.timeline === null || primaryTl === null || m.timeline === primaryTl)));
  return allHealthy ? 'HEALTHY' : 'DEGRADED';
}
