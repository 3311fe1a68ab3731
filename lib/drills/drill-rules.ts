import type { TFieldError } from '@/lib/base/errors';

// The pure decisions of restore drills (table tests in drill-rules.test.ts): whether a requested
// backup / point in time is inside what the cluster's backup catalog holds, which agent runs a
// drill, and when the schedule queues one.

export type TCatalogBackup = { label: string; type: string; stoppedAt: string | null; sizeBytes: number | null };
export type TDrillCatalog = {
  /** backups of every member's latest observed catalog (deduplicated by label, oldest first) */
  backups: TCatalogBackup[];
  /** the newest archived WAL's time (the primary's pg_stat_archiver), the end of the point-in-time window */
  archiveEndAt: string | null;
  /** false: no member reported a readable backup catalog */
  observed: boolean;
};

const ms = (t: string | null) => (t === null ? null : Date.parse(t));

/** The point-in-time window: from the oldest backup's end to the newest archived WAL (or now). */
export function pitrWindow(c: TDrillCatalog, now: Date): { from: string | null; to: string } {
  const stops = c.backups.map((b) => ms(b.stoppedAt)).filter((v): v is number => v !== null && !Number.isNaN(v));
  const end = ms(c.archiveEndAt);
  return { from: stops.length ? new Date(Math.min(...stops)).toISOString() : null, to: new Date(end !== null && end < now.getTime() ? end : now.getTime()).toISOString() };
}

/** Field errors for a drill request judged against the stored catalog; [] = acceptable. */
export function judgeDrillRequest(c: TDrillCatalog, want: { backup?: string; targetTime?: string }, now: Date): TFieldError[] {
  const errors: TFieldError[] = [];
  if (!c.observed) {
    if (want.backup) errors.push({ path: 'backup', message: 'no member has reported a backup catalog: the label cannot be checked' });
    if (want.targetTime) errors.push({ path: 'targetTime', message: 'no member has reported a backup catalog: the point-in-time window is unknown' });
    return errors;
  }
  const chosen = want.backup ? c.backups.find((b) => b.label === want.backup) : undefined;
  if (want.backup && !chosen) {
    errors.push({ path: 'backup', message: `no backup labelled ${want.backup} (the catalog holds: ${c.backups.map((b) => b.label).join(', ') || 'none'})` });
  }
  if (want.targetTime) {
    const w = pitrWindow(c, now);
    const t = Date.parse(want.targetTime);
    const from = chosen?.stoppedAt ?? w.from;
    if (from === null) errors.push({ path: 'targetTime', message: 'the catalog holds no finished backup to recover from' });
    else if (t < Date.parse(from) || t > Date.parse(w.to)) {
      errors.push({ path: 'targetTime', message: `${want.targetTime} is outside the point-in-time window ${from} .. ${w.to}${chosen ? ` of backup ${chosen.label}` : ''}` });
    }
  }
  return errors;
}

export type THostMember = { name: string; agentUrl: string; role: string; status: string; hasCatalog: boolean };
export type TDrillHost = { runner: string; url: string; member: string | null; why: string };

/** The registered drill host; else a replica's agent with a catalog (answering first); else, as a last resort, the primary's. */
export function pickDrillHost(o: { registeredUrl: string | null; agentMembers: boolean; members: THostMember[] }): TDrillHost | null {
  if (o.registeredUrl) return { runner: 'drill-host', url: o.registeredUrl, member: null, why: 'the registered drill host' };
  if (!o.agentMembers) return null;
  const rank = (m: THostMember) => (m.role === 'replica' ? 0 : 2) + (m.status === 'ok' ? 0 : 1);
  const candidates = o.members.filter((m) => m.hasCatalog && (m.role === 'replica' || m.role === 'primary')).sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  const m = candidates[0];
  if (!m) return null;
  return { runner: m.name, url: m.agentUrl, member: m.name, why: m.role === 'replica' ? `replica ${m.name} (its agent has pgBackRest configured)` : `primary ${m.name}: no replica reports a backup catalog (the restore's I/O lands on the primary's host; register a drill host to avoid it)` };
}

/** The schedule: a drill is due when the shortest declared cadence has passed since the last finished drill (or there never was one). */
export function drillDue(o: { cadenceDays: (number | null | undefined)[]; lastFinishedAt: Date | null; now: Date }): boolean {
  const days = o.cadenceDays.filter((d): d is number => typeof d === 'number' && d > 0);
  if (!days.length) return false;
  if (!o.lastFinishedAt) return true;
  return o.now.getTime() - o.lastFinishedAt.getTime() >= Math.min(...days) * 86_400_000;
}

export type TDbDrillStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
/** The agent's drill status -> the stored one (null: still running). */
export function storedDrillStatus(agent: 'running' | 'succeeded' | 'failed' | 'aborted'): TDbDrillStatus | null {
  return agent === 'running' ? null : agent === 'succeeded' ? 'SUCCEEDED' : agent === 'aborted' ? 'ABORTED' : 'FAILED';
}
