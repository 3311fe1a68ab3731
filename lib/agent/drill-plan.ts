import type { TAgentConfig } from './config.ts';
import type { TDrillState } from './protocol.ts';

// Pure parts of a restore drill (docs/agent-protocol.md "Restore drills"): which backup pgBackRest
// restores, the restore's arguments, the scratch instance's settings, bounded step output.

type TRawBackup = {
  label?: string;
  type?: string;
  reference?: string[] | null;
  prior?: string | null;
  timestamp?: { start?: number; stop?: number };
  info?: { size?: number };
  database?: { id?: number };
  error?: boolean;
};
type TRawStanza = { name?: string; backup?: TRawBackup[]; db?: { id?: number; 'system-id'?: number | string }[] };

export type TDrillBackup = NonNullable<TDrillState['backup']>;
export type TResolvedBackup = TDrillBackup & { systemIdentifier: string | null };

const stoppedMs = (b: TRawBackup) => (typeof b.timestamp?.stop === 'number' ? b.timestamp.stop * 1000 : null);

/**
 * The backup a drill restores, from `pgbackrest info --output=json`: the requested label; else, with a
 * target time, the newest backup that finished before it (what pgBackRest itself picks for
 * `--type=time`); else the newest. Its chain: the backups it references (a diff/incr needs its
 * full and the backups between), then itself. An error names what is missing.
 */
export function resolveDrillBackup(raw: unknown, stanza: string, want: { backup?: string; targetTime?: string }): TResolvedBackup | { error: string } {
  const s = (Array.isArray(raw) ? (raw as TRawStanza[]) : []).find((x) => x?.name === stanza);
  if (!s) return { error: `stanza ${stanza} is not in pgbackrest info` };
  const backups = (s.backup ?? []).filter((b) => typeof b.label === 'string');
  if (!backups.length) return { error: `stanza ${stanza} has no backups` };
  let b: TRawBackup | undefined;
  if (want.backup) {
    b = backups.find((x) => x.label === want.backup);
    if (!b) return { error: `no backup labelled ${want.backup} in stanza ${stanza} (have: ${backups.map((x) => x.label).join(', ')})` };
  } else if (want.targetTime) {
    const t = Date.parse(want.targetTime);
    const before = backups.filter((x) => (stoppedMs(x) ?? Infinity) <= t);
    b = before.at(-1);
    if (!b) return { error: `no backup of stanza ${stanza} finished before ${want.targetTime}` };
  } else b = backups.at(-1);
  const backup = b!;
  const type = backup.type === 'diff' || backup.type === 'incr' ? backup.type : 'full';
  const refs = (backup.reference ?? []).filter((r) => r !== backup.label);
  const db = (s.db ?? []).find((d) => d.id === backup.database?.id) ?? (s.db ?? []).at(-1);
  const stop = stoppedMs(backup);
  return {
    label: backup.label!,
    type,
    sizeBytes: typeof backup.info?.size === 'number' ? backup.info.size : null,
    stoppedAt: stop === null ? null : new Date(stop).toISOString(),
    chain: [...refs.sort(), backup.label!],
    systemIdentifier: db?.['system-id'] !== undefined ? String(db['system-id']) : null,
  };
}

/** Free bytes the scratch directory needs: the restored size, a fifth more for WAL replayed and written, and 64 MiB. */
export function drillSpaceNeeded(sizeBytes: number | null): number {
  return Math.ceil((sizeBytes ?? 0) * 1.2) + 64 * 1024 * 1024;
}

/** `pgbackrest restore` into the scratch data directory; never archives (archive-mode=off). */
export function restoreArgs(cfg: NonNullable<TAgentConfig['pgbackrest']>, o: { pgPath: string; label: string; targetTime?: string }): string[] {
  return [
    ...(cfg.config ? [`--config=${cfg.config}`] : []),
    `--stanza=${cfg.stanza}`,
    `--pg1-path=${o.pgPath}`,
    `--set=${o.label}`,
    ...(o.targetTime ? ['--type=time', `--target=${pgTimestamp(o.targetTime)}`, '--target-action=promote'] : []),
    '--archive-mode=off',
    '--log-level-console=info',
    'restore',
  ];
}

/** ISO 8601 -> PostgreSQL's own form in UTC ("2026-12-01 16:50:00.123+00"), which pgBackRest and recovery_target_time both read. */
export function pgTimestamp(iso: string): string {
  return new Date(iso).toISOString().replace('T', ' ').replace('Z', '+00');
}

/** A timestamp as PostgreSQL logs it ("2026-12-01 16:50:00.123456+00") -> epoch ms (sub-ms digits dropped). */
export function parseLogTime(t: string): number {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)?([+-]\d\d)(?::?(\d\d))?$/.exec(t.trim());
  if (!m) return NaN;
  return Date.parse(`${m[1]}T${m[2]}${(m[3] ?? '').slice(0, 4)}${m[4]}:${m[5] ?? '00'}`);
}

/**
 * Where a point-in-time recovery stopped, from the server's log: "recovery stopping before commit of
 * transaction N, time X" (X must be after the target: the first commit past it was not replayed) and
 * "last completed transaction was at log time Y" (Y must not be after the target).
 */
export function judgeTargetStop(log: string, targetIso: string): { ok: boolean; detail: string } {
  const target = Date.parse(targetIso);
  const before = /recovery stopping before commit of transaction (\d+), time (.+)$/m.exec(log);
  const last = /last completed transaction was at log time (.+)$/m.exec(log);
  const lastMs = last ? parseLogTime(last[1]) : null;
  if (!before && lastMs === null) return { ok: false, detail: `the server's log does not show recovery stopping at the target ${targetIso}` };
  const parts: string[] = [];
  let ok = true;
  if (before) {
    const t = parseLogTime(before[2]);
    ok &&= t > target;
    parts.push(`stopped before the commit of transaction ${before[1]} at ${before[2].trim()}`);
  }
  if (lastMs !== null) {
    ok &&= lastMs <= target;
    parts.push(`the last replayed commit was at ${last![1].trim()}`);
  }
  return { ok, detail: `${parts.join('; ')} (target ${targetIso})` };
}

/** The scratch instance's restore_command: read-only archive-get from the repository, never asynchronous. */
export function drillRestoreCommand(cfg: NonNullable<TAgentConfig['pgbackrest']>, pgPath: string): string {
  return [cfg.bin, ...(cfg.config ? [`--config=${cfg.config}`] : []), `--stanza=${cfg.stanza}`, `--pg1-path=${pgPath}`, '--archive-async=n', 'archive-get', '%f', '"%p"'].join(' ');
}

const q = (v: string) => `'${v.replace(/'/g, "''")}'`;
/**
 * Appended to the restored postgresql.auto.conf (read last: it wins over the primary's own settings
 * and ALTER SYSTEM leftovers). The scratch instance listens on a socket in its private directory
 * only, never archives, streams from nobody, serves no standbys, and loads no preload libraries.
 */
export function scratchSettings(o: { port: number; socketDir: string; hbaFile: string; identFile: string; restoreCommand?: string }): string {
  const s: Record<string, string> = {
    // pgBackRest's own archive-get, but synchronous: an asynchronous one would share the spool queue of
    // the node's real instance on this host
    ...(o.restoreCommand ? { restore_command: q(o.restoreCommand) } : {}),
    port: String(o.port),
    listen_addresses: q(''),
    unix_socket_directories: q(o.socketDir),
    hba_file: q(o.hbaFile),
    ident_file: q(o.identFile),
    archive_mode: 'off',
    archive_command: q(''),
    primary_conninfo: q(''),
    primary_slot_name: q(''),
    synchronous_standby_names: q(''),
    max_wal_senders: '0',
    hot_standby: 'off',
    shared_preload_libraries: q(''),
    cluster_name: q('vakt-drill'),
    logging_collector: 'off',
    shared_buffers: q('64MB'),
  };
  return `\n# vakt-agent restore drill: a throwaway instance (never archives, never streams)\n${Object.entries(s).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`;
}

const MAX_OUTPUT = 4000;
/** A step's output for the record: credentials removed, at most the last 4000 characters. */
export function boundOutput(text: string): string {
  const clean = text
    .replace(/postgres(ql)?:\/\/[^\s'"]*/g, '[url]')
    .replace(/(password|passwd|pass|secret|token|key)(\s*[=:]\s*)('[^']*'|"[^"]*"|[^\s'"]+)/gi, '$1$2[redacted]')
    .trim();
  return clean.length > MAX_OUTPUT ? `…${clean.slice(-MAX_OUTPUT)}` : clean;
}
