import type { TClusterMemberView, TClusterView } from '@/lib/registry/read-clusters';
// split-brain > primary down > degraded > unknown > healthy: the order `?sort=worst` pages in too
import { STATE_RANK } from '@/lib/readmodel/list';

// Pure presentation rules for fleet health: ordering (worst problem first) and colours.

export type TClusterState = TClusterView['state'];
export type TTone = 'ok' | 'warn' | 'bad' | 'unknown';


export const STATE_LABEL: Record<TClusterState, string> = {
  SPLIT_BRAIN: 'split-brain',
  PRIMARY_DOWN: 'primary down',
  DEGRADED: 'degraded',
  UNKNOWN: 'unknown',
  HEALTHY: 'healthy',
};

export function stateTone(state: TClusterState): TTone {
  if (state === 'SPLIT_BRAIN' || state === 'PRIMARY_DOWN') return 'bad';
  if (state === 'DEGRADED') return 'warn';
  if (state === 'HEALTHY') return 'ok';
  return 'unknown';
}

/** Worst first; equal states by name. */
export function sortClustersWorstFirst<T extends Pick<TClusterView, 'name' | 'state'>>(clusters: readonly T[]): T[] {
  return [...clusters].sort((a, b) => (STATE_RANK[a.state] ?? 9) - (STATE_RANK[b.state] ?? 9) || a.name.localeCompare(b.name));
}

type TMemberLike = Pick<TClusterMemberView, 'status' | 'stale' | 'role' | 'fenced' | 'reachable'>;

/** A member's own colour: down = bad; unknown / never polled = unknown; stale or fenced = warn. */
export function memberTone(m: TMemberLike): TTone {
  if (m.status === 'down') return 'bad';
  if (m.status === 'unknown' || m.status === 'never') return 'unknown';
  if (m.stale || m.fenced || m.role === 'unknown') return 'warn';
  return 'ok';
}

/** Badge class of a member's role: primary = info, unknown = unknown, replica = plain. */
export function roleBadge(role: TClusterMemberView['role']): 'info' | 'unknown' | '' {
  return role === 'primary' ? 'info' : role === 'unknown' ? 'unknown' : '';
}

/** Badge class of a member's reachability: ok, down = bad, never polled / unknown = unknown. */
export function statusBadge(status: TClusterMemberView['status']): 'ok' | 'bad' | 'unknown' {
  return status === 'ok' ? 'ok' : status === 'down' ? 'bad' : 'unknown';
}

/** Badge class of an event's severity: error/critical = bad, warning = warn, else info. */
export function severityBadge(severity: string): 'bad' | 'warn' | 'info' {
  return severity === 'error' || severity === 'critical' ? 'bad' : severity === 'warning' ? 'warn' : 'info';
}

const TONE_RANK: Record<TTone, number> = { bad: 0, warn: 1, unknown: 2, ok: 3 };
export function worstTone(tones: TTone[]): TTone | null {
  if (!tones.length) return null;
  return tones.reduce((w, t) => (TONE_RANK[t] < TONE_RANK[w] ? t : w));
}

/** The member(s) currently answering as primary (two or more = split-brain). */
export function primaries<M extends Pick<TClusterMemberView, 'role' | 'status' | 'fenced'>>(c: { members: readonly M[] }): M[] {
  return c.members.filter((m) => m.role === 'primary' && m.status === 'ok' && !m.fenced);
}

/**
 * No member answers as a writable primary although the cluster is judged (not stale, not UNKNOWN):
 * writes fail now, so the overview shows it red at once, even while the engine still reads it DEGRADED
 * (a replica heard from the primary within the streaming-evidence window, so no promotion is offered yet).
 */
export function hasNoWriter(c: Pick<TClusterView, 'state'> & { stale?: boolean; members: readonly Pick<TClusterMemberView, 'role' | 'status' | 'fenced'>[] }): boolean {
  return !c.stale && c.state !== 'UNKNOWN' && primaries(c).length === 0;
}

/** The largest replica lag in bytes and in seconds over the reachable replicas (null when none reports it). */
export function maxLag(c: { members: readonly Pick<TClusterMemberView, 'role' | 'lagBytes' | 'lagSeconds'>[] }): { bytes: number | null; seconds: number | null } {
  let bytes: number | null = null;
  let seconds: number | null = null;
  for (const m of c.members) {
    if (m.role !== 'replica') continue;
    if (m.lagBytes !== null && (bytes === null || m.lagBytes > bytes)) bytes = m.lagBytes;
    if (m.lagSeconds !== null && (seconds === null || m.lagSeconds > seconds)) seconds = m.lagSeconds;
  }
  return { bytes, seconds };
}

/** Free storage in percent of the data directory's file system. */
export function freePercent(m: Pick<TClusterMemberView, 'freeBytes' | 'totalBytes'>): number | null {
  return m.freeBytes !== null && m.totalBytes ? (m.freeBytes / m.totalBytes) * 100 : null;
}

/** Sites of the fleet, in the order given, plus any site a member names that the list lacks. */
export function fleetSites(siteNames: readonly string[], clusters: readonly { members: readonly Pick<TClusterMemberView, 'site'>[] }[]): string[] {
  const out = [...siteNames];
  for (const c of clusters) for (const m of c.members) if (!out.includes(m.site)) out.push(m.site);
  return out;
}
