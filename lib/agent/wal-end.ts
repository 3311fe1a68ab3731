import { formatLsn, lsnToBigInt, LSN_PATTERN } from '../pg/lsn.ts';

// Pure pieces of the final-position proof (stopped-state.ts does the I/O): pg_controldata's text,
// pg_waldump's last valid record, where a WAL record ends, postmaster.pid and /proc/sysvipc/shm.

/** PostgreSQL's own spelling (pg_waldump zero-pads the low half: 0/04028F38 -> 0/4028F38). */
const normalLsn = (lsn: string) => formatLsn(lsnToBigInt(lsn));

export type TControlData = {
  state: string;
  checkpointLsn: string;
  /** Latest checkpoint's TimeLineID */
  timeline: number;
  walSegmentBytes: number;
};

/** pg_controldata output (C locale) -> the fields the proof needs; throws naming a missing field. */
export function parseControlData(text: string): TControlData {
  const field = (label: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${label}:`));
    if (line === undefined) throw new Error(`pg_controldata: no "${label}" line`);
    return line.slice(label.length + 1).trim();
  };
  const checkpointLsn = field('Latest checkpoint location');
  if (!LSN_PATTERN.test(checkpointLsn)) throw new Error(`pg_controldata: bad checkpoint location ${JSON.stringify(checkpointLsn)}`);
  const timeline = Number(field("Latest checkpoint's TimeLineID"));
  const walSegmentBytes = Number(field('Bytes per WAL segment'));
  if (!Number.isInteger(timeline) || timeline < 1) throw new Error('pg_controldata: bad TimeLineID');
  if (!Number.isInteger(walSegmentBytes) || walSegmentBytes < 1 << 20) throw new Error('pg_controldata: bad WAL segment size');
  return { state: field('Database cluster state'), checkpointLsn, timeline, walSegmentBytes };
}

/** "shut down" (a primary) and "shut down in recovery" (a standby) are clean; every other state is not. */
export function isCleanShutdown(state: string): boolean {
  return state === 'shut down' || state === 'shut down in recovery';
}

/**
 * The start of the last valid record, from `pg_waldump --quiet`'s final error: pg_waldump reads up
 * to the end of valid WAL and fails with "error in WAL record at <start of the last good record>:
 * <why the next one is not valid>". Null when the message is another error.
 */
export function lastValidRecordStart(stderr: string): string | null {
  const m = /error in WAL record at ([0-9A-F]+\/[0-9A-F]+):/i.exec(stderr);
  return m ? normalLsn(m[1]) : null;
}

/** One pg_waldump record line -> its start and total length (header + data), or null. */
export function parseWaldumpRecord(line: string): { lsn: string; totalLength: number } | null {
  const m = /len \(rec\/tot\):\s*\d+\/\s*(\d+),.*?\blsn: ([0-9A-F]+\/[0-9A-F]+)/i.exec(line);
  return m ? { lsn: normalLsn(m[2]), totalLength: Number(m[1]) } : null;
}

const XLOG_BLCKSZ = 8192n;
const SHORT_PAGE_HEADER = 24n; // MAXALIGN(SizeOfXLogShortPHD)
const LONG_PAGE_HEADER = 40n; // MAXALIGN(SizeOfXLogLongPHD): the first page of every segment

/**
 * Where a record that starts at `start` and is `totalLength` bytes long ends, as PostgreSQL counts
 * it (XLogBytePosToEndRecPtr): the data runs on across page headers, the end is MAXALIGNed, and an
 * end exactly at a page boundary stays at the boundary. This is the position the server flushed
 * after writing the record and what a standby that received it reports as received.
 */
export function recordEndLsn(start: string, totalLength: number, walSegmentBytes: number): string {
  const seg = BigInt(walSegmentBytes);
  let pos = lsnToBigInt(start);
  let remaining = BigInt(totalLength);
  for (;;) {
    const pageEnd = (pos / XLOG_BLCKSZ + 1n) * XLOG_BLCKSZ;
    if (remaining <= pageEnd - pos) {
      pos += remaining;
      break;
    }
    remaining -= pageEnd - pos;
    pos = pageEnd + (pageEnd % seg === 0n ? LONG_PAGE_HEADER : SHORT_PAGE_HEADER);
  }
  return formatLsn((pos + 7n) & ~7n);
}

/** postmaster.pid: line 1 the pid, line 7 "shmem key  shmem id" (absent before shared memory exists). */
export function parsePostmasterPid(text: string): { pid: number; shmId: number | null } | null {
  const lines = text.split('\n');
  const pid = Number(lines[0]?.trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const shm = /^\s*\d+\s+(\d+)\s*$/.exec(lines[6] ?? '');
  return { pid, shmId: shm ? Number(shm[1]) : null };
}

/** /proc/sysvipc/shm -> how many processes are attached to segment shmId (null: no such segment). */
export function shmAttachCount(procShm: string, shmId: number): number | null {
  const [header, ...rows] = procShm.trim().split('\n');
  const cols = header.trim().split(/\s+/);
  const idCol = cols.indexOf('shmid');
  const attachCol = cols.indexOf('nattch');
  if (idCol < 0 || attachCol < 0) throw new Error('/proc/sysvipc/shm: unexpected header');
  for (const row of rows) {
    const f = row.trim().split(/\s+/);
    if (Number(f[idCol]) === shmId) return Number(f[attachCol]);
  }
  return null;
}

/** The highest timeline among WAL segment file names in pg_wal (null: none). */
export function highestWalTimeline(fileNames: string[]): number | null {
  let best: number | null = null;
  for (const f of fileNames) {
    if (!/^[0-9A-F]{24}$/.test(f)) continue;
    const tli = parseInt(f.slice(0, 8), 16);
    if (best === null || tli > best) best = tli;
  }
  return best;
}

/** A timeline history file's last entry: where the timeline after it began (null: no entry). */
export function historySwitchPoint(text: string): string | null {
  let last: string | null = null;
  for (const line of text.split('\n')) {
    const m = /^\s*\d+\s+([0-9A-F]+\/[0-9A-F]+)/i.exec(line);
    if (m) last = normalLsn(m[1]);
  }
  return last;
}
