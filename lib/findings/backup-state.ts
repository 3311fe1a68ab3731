// What a cluster's backups are, judged without a clock of their own: the union of every member's
// pgBackRest catalog, the backup a restore would use and its chain, the PITR window (and what breaks
// it), and whether the backups are trusted (a successful restore drill of the restore chain within the
// drill cadence). Pure: live compliance (./live-compliance.ts) and readiness (lib/readiness) read it.
import { toMs, type TInstant } from '@/lib/pg';
import type { TLiveBackup, TLiveBackupCatalog, TLiveCluster, TLiveDrill } from './live-types';

/** PostgreSQL's default WAL segment size (pgBackRest names segments by it). */
export const WAL_SEGMENT_BYTES = 16 * 1024 * 1024;

/** Segment number of a WAL file name (TTTTTTTTXXXXXXXXYYYYYYYY), timeline left out; null = not a segment name. */
export function walSegmentNumber(name: string | null | undefined): number | null {
  if (!name || !/^[0-9A-F]{24}$/i.test(name)) return null;
  return parseInt(name.slice(8, 16), 16) * 0x100 + parseInt(name.slice(16, 24), 16);
}

/** Bytes of WAL from segment `from` through `to` (both named); null when either is unknown. */
export function walBytesBetween(from: string | null | undefined, to: string | null | undefined): number | null {
  const a = walSegmentNumber(from);
  const b = walSegmentNumber(to);
  return a === null || b === null ? null : Math.max(0, b - a) * WAL_SEGMENT_BYTES;
}

const stopMs = (b: TLiveBackup) => toMs(b.stoppedAt) ?? 0;

export type TPitrWindow = {
  /** the oldest backup whose WAL is in the archive up to its newest segment: recovery can start from its end */
  fromBackup: string | null;
  startAt: string | null;
  /** the newest archived WAL (the primary's pg_stat_archiver last_archived_time), else the newest backup's end */
  endAt: string | null;
  /** what breaks the window, in words (null = continuous as far as pgBackRest reports) */
  gap: string | null;
};

export type TBackupState = {
  /** how many members report a catalog */
  catalogs: number;
  stanza: string | null;
  configPath: string | null;
  /** repository status as pgBackRest reports it (the first catalog with a problem wins) */
  repository: { code: number; message: string; error: string | null } | null;
  backupRunning: boolean | null;
  /** every backup (union by label), oldest first */
  backups: TLiveBackup[];
  /** the newest backup a restore would use (pgBackRest restores the newest set by default, page errors or not) */
  newest: TLiveBackup | null;
  /** its chain, full first */
  chain: string[];
  newestFull: TLiveBackup | null;
  archives: Array<{ id: string; dbId: number | null; min: string | null; max: string | null }>;
  pitr: TPitrWindow;
  /** WAL a restore of `newest` to the newest archived segment replays (segments × 16 MiB); null = unknown */
  walToReplayBytes: number | null;
};

/** Labels of the chain of `label` (full first): pgBackRest's `reference` list, else following `prior`. */
export function chainOf(backups: TLiveBackup[], label: string): string[] {
  const byLabel = new Map(backups.map((b) => [b.label, b]));
  const b = byLabel.get(label);
  if (!b) return [label];
  if (b.reference && b.reference.length) return [...new Set([...b.reference, label])];
  const chain = [label];
  for (let cur = b; cur.prior && !chain.includes(cur.prior) && chain.length < 1000; ) {
    chain.unshift(cur.prior);
    const next = byLabel.get(cur.prior);
    if (!next) break;
    cur = next;
  }
  return chain;
}

function lastArchivedAt(cl: TLiveCluster): TInstant | null {
  const times = cl.members.filter((m) => m.role === 'primary' && m.archiver?.lastArchivedAt).map((m) => toMs(m.archiver!.lastArchivedAt)!).filter((v) => v !== null);
  return times.length ? new Date(Math.max(...times)).toISOString() : null;
}

const iso = (t: TInstant | null | undefined) => {
  const ms = toMs(t ?? null);
  return ms === null ? null : new Date(ms).toISOString();
};

function pitrWindow(backups: TLiveBackup[], archives: TBackupState['archives'], newest: TLiveBackup | null, endFallback: TInstant | null, lastArchived: TInstant | null): TPitrWindow {
  const endAt = iso(lastArchived ?? endFallback);
  if (!newest) return { fromBackup: null, startAt: null, endAt: null, gap: null };
  const usable = archives.filter((a) => a.min && a.max);
  if (!usable.length) return { fromBackup: null, startAt: null, endAt, gap: 'no WAL is archived in the repository' };
  // the archive the newest backup belongs to (pgBackRest keeps one per database history id)
  const current = usable.find((a) => newest.dbId != null && a.dbId === newest.dbId) ?? usable[usable.length - 1];
  const covered = (b: TLiveBackup) =>
    (b.dbId == null || current.dbId == null || b.dbId === current.dbId) && !!b.walStart && !!b.walStop && b.walStart >= current.min! && b.walStop <= current.max!;
  if (!covered(newest)) {
    return {
      fromBackup: null,
      startAt: null,
      endAt,
      gap: `the WAL of the newest backup ${newest.label} (${newest.walStart ?? '?'}…${newest.walStop ?? '?'}) is not in the archive ${current.id} (${current.min}…${current.max})`,
    };
  }
  // the window reaches back to the oldest backup from which the archive is continuous to its newest segment
  const sorted = [...backups].sort((a, b) => stopMs(a) - stopMs(b));
  let from = newest;
  for (let i = sorted.indexOf(newest) - 1; i >= 0; i--) {
    if (!covered(sorted[i])) break;
    from = sorted[i];
  }
  return { fromBackup: from.label, startAt: iso(from.stoppedAt), endAt, gap: null };
}

function repositoryOf(catalogs: TLiveBackupCatalog[]): TBackupState['repository'] {
  if (!catalogs.length) return null;
  const bad = catalogs.find((c) => c.error || c.status.code !== 0) ?? catalogs[0];
  return { code: bad.status.code, message: bad.status.message, error: bad.error ?? null };
}

/** The cluster's backups as one repository (a stanza's repository is shared by every member). */
export function backupState(cl: TLiveCluster): TBackupState {
  const catalogs = cl.members.map((m) => m.backups).filter((b): b is TLiveBackupCatalog => !!b);
  const byLabel = new Map<string, TLiveBackup>();
  for (const cat of catalogs) for (const b of cat.backups) if (!byLabel.has(b.label)) byLabel.set(b.label, b);
  const backups = [...byLabel.values()].sort((a, b) => stopMs(a) - stopMs(b) || a.label.localeCompare(b.label));
  const newest = backups.length ? backups[backups.length - 1] : null;
  const fulls = backups.filter((b) => b.type === 'full' && !b.error);
  const withArchives = catalogs.find((c) => c.archives && c.archives.length) ?? null;
  const archives =
    withArchives?.archives ??
    catalogs.filter((c) => c.walArchiveMin || c.walArchiveMax).slice(0, 1).map((c) => ({ id: 'archive', dbId: null, min: c.walArchiveMin ?? null, max: c.walArchiveMax ?? null }));
  const running = catalogs.map((c) => c.backupRunning).filter((v): v is boolean => typeof v === 'boolean');
  const lastArchived = lastArchivedAt(cl);
  const pitr = pitrWindow(backups, archives, newest, newest?.stoppedAt ?? null, lastArchived);
  const archiveMax = archives.map((a) => a.max).filter((x): x is string => !!x).sort().pop() ?? null;
  return {
    catalogs: catalogs.length,
    stanza: catalogs.find((c) => c.stanza)?.stanza ?? null,
    configPath: catalogs.find((c) => c.configPath)?.configPath ?? null,
    repository: repositoryOf(catalogs),
    backupRunning: running.length ? running.some(Boolean) : null,
    backups,
    newest,
    chain: newest ? chainOf(backups, newest.label) : [],
    newestFull: fulls.length ? fulls[fulls.length - 1] : null,
    archives,
    pitr,
    walToReplayBytes: newest ? walBytesBetween(newest.walStop, archiveMax) : null,
  };
}

export type TTrust = {
  trusted: boolean;
  /** why not (null when trusted) */
  reason: 'no-backup' | 'never-drilled' | 'drill-failed' | 'overdue' | 'other-backup' | null;
  /** the drill that proves the chain (trusted), or the one the reason is about */
  drill: TLiveDrill | null;
  message: string;
  fix: string | null;
};

const FAILED = new Set(['FAILED', 'TIMED_OUT']);

/** The chain a drill restored: its own list, else the chain of its label in the catalog. */
function drillChain(d: TLiveDrill, backups: TLiveBackup[]): string[] {
  if (d.backupChain.length) return d.backupChain;
  return d.backupLabel ? chainOf(backups, d.backupLabel) : [];
}

const finishedMs = (d: TLiveDrill) => toMs(d.finishedAt) ?? 0;
const days = (ms: number) => Math.round((ms / 86_400_000) * 10) / 10;

/**
 * Trust rule (README "Restore drills and trust"): the backups are trusted when the newest backup a
 * restore would use (its chain) has a successful drill — of itself or of a later backup of the same
 * chain (a drill whose chain contains the whole restore chain) — finished within `cadenceDays`
 * (null/0: no cadence, any age). External results count like the worker's.
 */
export function evaluateTrust(state: Pick<TBackupState, 'newest' | 'chain' | 'backups'>, drills: TLiveDrill[], cadenceDays: number | null, nowMs: number, cluster: string): TTrust {
  const fixDrill = `Run a restore drill of ${state.newest?.label ?? 'the newest backup'} (npm run vakt -- drill ${cluster}, or from the drills page), or post an external runner's result.`;
  if (!state.newest) return { trusted: false, reason: 'no-backup', drill: null, message: `${cluster} has no backup to restore.`, fix: 'Take a full backup (pgbackrest backup --type=full).' };
  const finished = drills.filter((d) => d.finishedAt && (d.status === 'SUCCEEDED' || FAILED.has(d.status))).sort((a, b) => finishedMs(b) - finishedMs(a));
  const proving = finished.filter((d) => {
    const c = drillChain(d, state.backups);
    return state.chain.every((l) => c.includes(l));
  });
  const cadenceMs = cadenceDays ? cadenceDays * 86_400_000 : Infinity;
  const success = proving.find((d) => d.status === 'SUCCEEDED') ?? null;
  const latest = proving[0] ?? null;
  if (latest && FAILED.has(latest.status)) {
    return {
      trusted: false,
      reason: 'drill-failed',
      drill: latest,
      message: `The latest restore drill of ${state.newest.label}'s chain on ${cluster} ${latest.status === 'TIMED_OUT' ? 'timed out' : 'failed'}${latest.error ? ` (${latest.error})` : ''}: a restore now would use a backup that did not restore.`,
      fix: `Find why the drill failed (its steps), repair the repository or take a new full backup, then drill again.`,
    };
  }
  if (success && nowMs - finishedMs(success) <= cadenceMs) {
    return { trusted: true, reason: null, drill: success, message: `${state.newest.label}'s chain on ${cluster} restored in ${success.external ? 'an external' : 'a'} drill ${days(nowMs - finishedMs(success))} days ago.`, fix: null };
  }
  if (success) {
    return {
      trusted: false,
      reason: 'overdue',
      drill: success,
      message: `The last successful drill of ${state.newest.label}'s chain on ${cluster} was ${days(nowMs - finishedMs(success))} days ago; the cadence is ${cadenceDays} days.`,
      fix: fixDrill,
    };
  }
  const other = finished.find((d) => d.status === 'SUCCEEDED') ?? null;
  return {
    trusted: false,
    reason: other ? 'other-backup' : 'never-drilled',
    drill: other,
    message: other
      ? `Drills on ${cluster} restored ${other.backupLabel ?? 'another backup'}, not the chain a restore would use now (${state.chain.join(' → ')}).`
      : `No restore drill has proven the backups of ${cluster}; a backup never restored is not trustworthy.`,
    fix: fixDrill,
  };
}
