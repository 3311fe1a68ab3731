// Candidate ranking: highest replayed LSN first, same site before cross-site at equal LSN, then name.
import { lsnValue } from '@/lib/pg';

export interface TRankable {
  node: string;
  crossSite: boolean;
  replayLsn: string | null;
}

export function compareCandidates(a: TRankable, b: TRankable): number {
  const la = lsnValue(a.replayLsn);
  const lb = lsnValue(b.replayLsn);
  if (la !== lb) {
    if (la === null) return 1;
    if (lb === null) return -1;
    return la > lb ? -1 : 1;
  }
  if (a.crossSite !== b.crossSite) return a.crossSite ? 1 : -1;
  return a.node.localeCompare(b.node);
}

/** Sorted copy with 1-based ranks. */
export function rankCandidates<T extends TRankable>(candidates: T[]): Array<T & { rank: number }> {
  return [...candidates].sort(compareCandidates).map((c, i) => ({ ...c, rank: i + 1 }));
}
