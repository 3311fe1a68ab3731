import { describe, expect, it } from 'vitest';
import { highestWalTimeline, historySwitchPoint, isCleanShutdown, lastValidRecordStart, parseControlData, parsePostmasterPid, parseWaldumpRecord, recordEndLsn, shmAttachCount } from './wal-end.ts';

const SEG = 16 * 1024 * 1024;

describe('recordEndLsn', () => {
  it.each([
    // measured on PostgreSQL 15: a shutdown checkpoint at 0/4028F38 (114 bytes); the replica received 0/4028FB0
    ['shutdown checkpoint, as a replica received it', '0/4028F38', 114, '0/4028FB0'],
    // measured: the last COMMIT before a kill -9; pg_current_wal_lsn() was 0/4032E10
    ['last commit before a crash', '0/4032DE8', 34, '0/4032E10'],
    ['ends on an 8-byte boundary', '0/3000028', 40, '0/3000050'],
    ['runs over a page header (24 bytes)', '0/1FF0', 100, '0/2070'],
    ['runs over a segment start (long header, 40 bytes)', '0/FFFFF0', 100, '0/1000080'],
    ['ends exactly at a page boundary: stays there', '0/1FC0', 64, '0/2000'],
    ['spans two pages', '0/1000', 20_000, '0/5E50'],
    ['high half', '16/B374D848', 54, '16/B374D880'],
  ])('%s', (_what, start, len, end) => {
    expect(recordEndLsn(start, len, SEG)).toBe(end);
  });
});

describe('pg_waldump output', () => {
  it('reads the start of the last valid record from the final error', () => {
    expect(lastValidRecordStart('pg_waldump: error: error in WAL record at 0/4032DE8: invalid record length at 0/4032E10: wanted 24, got 0\n')).toBe('0/4032DE8');
    expect(lastValidRecordStart('pg_waldump: error: error in WAL record at 0/5000060: unexpected pageaddr 0/1000000 in log segment 000000010000000000000005, offset 8192')).toBe('0/5000060');
    expect(lastValidRecordStart('pg_waldump: error: could not find a valid record after 0/3000000')).toBeNull();
    expect(lastValidRecordStart('pg_waldump: error: could not find file "000000010000000000000009": No such file or directory')).toBeNull();
  });

  it('reads a record line (zero-padded LSN as pg_waldump prints it)', () => {
    const line =
      'rmgr: XLOG        len (rec/tot):    114/   114, tx:          0, lsn: 0/04028F38, prev 0/04028F10, desc: CHECKPOINT_SHUTDOWN redo 0/4028F38; tli 1; shutdown';
    expect(parseWaldumpRecord(line)).toEqual({ lsn: '0/4028F38', totalLength: 114 });
    expect(parseWaldumpRecord('rmgr: Heap        len (rec/tot):    363/  8555, tx:        825, lsn: 1/00000028, prev 0/FFFFFFD8, desc: INSERT')).toEqual({ lsn: '1/28', totalLength: 8555 });
    expect(parseWaldumpRecord('pg_waldump: error: …')).toBeNull();
  });
});

describe('parseControlData', () => {
  const text = [
    'pg_control version number:            1300',
    'Database cluster state:               shut down in recovery',
    'Latest checkpoint location:           0/4028F38',
    "Latest checkpoint's REDO location:    0/4028F00",
    "Latest checkpoint's TimeLineID:       2",
    'Bytes per WAL segment:                16777216',
  ].join('\n');
  it('reads state, checkpoint, timeline and segment size', () => {
    expect(parseControlData(text)).toEqual({ state: 'shut down in recovery', checkpointLsn: '0/4028F38', timeline: 2, walSegmentBytes: SEG });
  });
  it('names a missing or bad field', () => {
    expect(() => parseControlData(text.replace(/Latest checkpoint location.*\n/, ''))).toThrow(/Latest checkpoint location/);
    expect(() => parseControlData(text.replace('0/4028F38', 'nope'))).toThrow(/checkpoint location/);
  });
  it.each([
    ['shut down', true],
    ['shut down in recovery', true],
    ['in production', false],
    ['in archive recovery', false],
    ['in crash recovery', false],
    ['shutting down', false],
  ])('%s clean: %s', (state, clean) => expect(isCleanShutdown(state)).toBe(clean));
});

describe('postmaster.pid and shared memory', () => {
  it('reads the pid and the shared memory id', () => {
    expect(parsePostmasterPid('10219\n/tmp/d/p\n1796131592\n41619\n/tmp/d\n127.0.0.1\n  2146552        19\nready   \n')).toEqual({ pid: 10219, shmId: 19 });
    expect(parsePostmasterPid('10219\n/tmp/d/p\n')).toEqual({ pid: 10219, shmId: null });
    expect(parsePostmasterPid('\n')).toBeNull();
  });
  it('counts the processes attached to a segment', () => {
    const shm = [
      '       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap',
      '   2150663         17   600                    56  9605 10264      4   101   104   101   104 1796131598 1796131598 1796131530                  4096                     0',
      '   2146552         19   600                    56 10219 10225      0   101   104   101   104 1796131598 1796131598 1796131592                  4096                     0',
    ].join('\n');
    expect(shmAttachCount(shm, 17)).toBe(4);
    expect(shmAttachCount(shm, 19)).toBe(0);
    expect(shmAttachCount(shm, 20)).toBeNull();
  });
});

describe('timelines in pg_wal', () => {
  it('finds the newest timeline and where it began', () => {
    expect(highestWalTimeline(['000000010000000000000003', '00000002.history', '000000020000000000000003', 'archive_status'])).toBe(2);
    expect(highestWalTimeline(['archive_status'])).toBeNull();
    expect(historySwitchPoint('1\t0/3000060\tno recovery target specified\n\n2\t0/50000A0\tno recovery target specified\n')).toBe('0/50000A0');
    expect(historySwitchPoint('')).toBeNull();
  });
});
