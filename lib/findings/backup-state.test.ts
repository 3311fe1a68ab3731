import { describe, expect, it } from 'vitest';
import { backupState, chainOf, evaluateTrust, walBytesBetween, walSegmentNumber } from './backup-state';
import type { TLiveBackup, TLiveCluster, TLiveDrill } from './live-types';

const NOW = Date.parse('2026-03-20T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();
const D = 86400;
const seg = (n: number, tl = 1) => `${tl.toString(16).toUpperCase().padStart(8, '0')}00000000${n.toString(16).toUpperCase().padStart(8, '0')}`;
const b = (label: string, p: Partial<TLiveBackup> = {}): TLiveBackup => ({ label, type: 'full', stoppedAt: ago(D), walStart: seg(2), walStop: seg(2), dbId: 1, ...p });
const cluster = (backups: TLiveBackup[], archive: { min: string; max: string } | null, lastArchivedAgo: number | null = 30): TLiveCluster => ({
  name: 'c1',
  kind: 'vakt-agent',
  members: [
    {
      name: 'a',
      site: 'oslo',
      status: 'ok',
      role: 'primary',
      observedAt: ago(1),
      archiver: lastArchivedAgo === null ? null : { archivedCount: 1, lastArchivedAt: ago(lastArchivedAgo), failedCount: 0, lastFailedAt: null },
      backups: { stanza: 'vakt', configPath: '/etc/pgbackrest.conf', status: { code: 0, message: 'ok' }, backups, archives: archive ? [{ id: '15-1', dbId: 1, ...archive }] : [], backupRunning: false },
    },
    { name: 'b', site: 'oslo', status: 'ok', role: 'replica', observedAt: ago(1), backups: { status: { code: 0, message: 'ok' }, backups: backups.slice(0, 1) } },
  ],
  database: null,
  schema: null,
  otherContexts: [],
  vaktDatabaseHere: false,
});
const drill = (p: Partial<TLiveDrill> = {}): TLiveDrill => ({ id: 'd', status: 'SUCCEEDED', external: false, backupLabel: 'F1', backupChain: ['F1'], backupSizeBytes: 1, walReplayBytes: 0, restoreSeconds: 1, finishedAt: ago(D), ...p });

describe('WAL segment arithmetic', () => {
  it.each([
    [seg(3), 3],
    ['000000020000000100000002', 0x102],
    ['not-a-wal-name', null],
    [null, null],
  ])('%s -> %s', (name, n) => expect(walSegmentNumber(name)).toBe(n));
  it('bytes between segments (16 MiB each; timeline ignored; unknown -> null)', () => {
    expect(walBytesBetween(seg(2), seg(5))).toBe(3 * 16 * 1024 * 1024);
    expect(walBytesBetween(seg(5), seg(2))).toBe(0);
    expect(walBytesBetween(seg(2), null)).toBeNull();
  });
});

describe('chainOf', () => {
  const set = [b('F1'), b('D1', { type: 'diff', prior: 'F1' }), b('I1', { type: 'incr', prior: 'D1' }), b('I2', { type: 'incr', prior: 'I1', reference: ['F1', 'D1', 'I1'] })];
  it.each([
    ['F1', ['F1']],
    ['I1', ['F1', 'D1', 'I1']],
    ['I2', ['F1', 'D1', 'I1', 'I2']],
    ['unknown', ['unknown']],
  ])('%s', (label, chain) => expect(chainOf(set, label)).toEqual(chain));
});

describe('backupState', () => {
  it('unions members by label, picks the newest as the restore target with its chain, and the PITR window', () => {
    const s = backupState(cluster([b('F1', { stoppedAt: ago(3 * D), walStart: seg(2), walStop: seg(2) }), b('I1', { type: 'incr', prior: 'F1', stoppedAt: ago(D), walStart: seg(6), walStop: seg(6) })], { min: seg(2), max: seg(9) }));
    expect(s.catalogs).toBe(2);
    expect(s.newest?.label).toBe('I1');
    expect(s.chain).toEqual(['F1', 'I1']);
    expect(s.newestFull?.label).toBe('F1');
    expect(s.pitr).toEqual({ fromBackup: 'F1', startAt: ago(3 * D), endAt: ago(30), gap: null });
    expect(s.walToReplayBytes).toBe(3 * 16 * 1024 * 1024);
    expect(s.stanza).toBe('vakt');
    expect(s.backupRunning).toBe(false);
  });
  it('the window starts at the oldest backup whose WAL is still archived', () => {
    const s = backupState(cluster([b('F1', { stoppedAt: ago(3 * D), walStart: seg(2), walStop: seg(2) }), b('F2', { stoppedAt: ago(D), walStart: seg(6), walStop: seg(6) })], { min: seg(4), max: seg(9) }));
    expect(s.pitr.fromBackup).toBe('F2');
    expect(s.pitr.gap).toBeNull();
  });
  it.each([
    ['archive behind the newest backup', { min: seg(1), max: seg(4) }, /is not in the archive 15-1/],
    ['nothing archived', null, /no WAL is archived/],
  ])('PITR broken: %s', (_n, archive, gap) => {
    expect(backupState(cluster([b('F1', { walStart: seg(6), walStop: seg(6) })], archive)).pitr.gap).toMatch(gap);
  });
  it('no catalog: nothing known', () => {
    const c = cluster([], null);
    c.members.forEach((m) => (m.backups = null));
    const s = backupState(c);
    expect([s.catalogs, s.repository, s.newest, s.backupRunning]).toEqual([0, null, null, null]);
  });
});

describe('evaluateTrust', () => {
  const backups = [b('F1', { stoppedAt: ago(3 * D) }), b('I1', { type: 'incr', prior: 'F1', stoppedAt: ago(D) })];
  const state = { newest: backups[1], chain: ['F1', 'I1'], backups };
  it.each<[string, TLiveDrill[], number | null, boolean, string | null]>([
    ['a drill of the restore chain within the cadence', [drill({ backupLabel: 'I1', backupChain: ['F1', 'I1'] })], 7, true, null],
    ['an external result naming only the label (chain from the catalog)', [drill({ backupLabel: 'I1', backupChain: [], external: true })], 7, true, null],
    ['a later backup of the same chain', [drill({ backupLabel: 'I2', backupChain: ['F1', 'I1', 'I2'] })], 7, true, null],
    ['only the full was drilled', [drill()], 7, false, 'other-backup'],
    ['never drilled', [], 7, false, 'never-drilled'],
    ['too old for the cadence', [drill({ backupLabel: 'I1', backupChain: ['F1', 'I1'], finishedAt: ago(9 * D) })], 7, false, 'overdue'],
    ['too old, but no cadence declared', [drill({ backupLabel: 'I1', backupChain: ['F1', 'I1'], finishedAt: ago(90 * D) })], null, true, null],
    ['the latest drill of the chain failed (an older success does not help)', [drill({ backupLabel: 'I1', backupChain: ['F1', 'I1'], status: 'FAILED', finishedAt: ago(D / 2) }), drill({ backupLabel: 'I1', backupChain: ['F1', 'I1'] })], 7, false, 'drill-failed'],
    ['a success after a failure', [drill({ backupLabel: 'I1', backupChain: ['F1', 'I1'], finishedAt: ago(D / 2) }), drill({ backupLabel: 'I1', backupChain: ['F1', 'I1'], status: 'TIMED_OUT' })], 7, true, null],
    ['running and aborted drills are no result', [drill({ backupLabel: 'I1', backupChain: ['F1', 'I1'], status: 'RUNNING', finishedAt: null }), drill({ backupLabel: 'I1', backupChain: ['F1', 'I1'], status: 'ABORTED' })], 7, false, 'never-drilled'],
  ])('%s', (_n, drills, cadence, trusted, reason) => {
    const t = evaluateTrust(state, drills, cadence, NOW, 'c1');
    expect([t.trusted, t.reason]).toEqual([trusted, reason]);
    expect(t.fix === null).toBe(trusted);
  });
  it('no backup: untrusted, says to take one', () => {
    expect(evaluateTrust({ newest: null, chain: [], backups: [] }, [], 7, NOW, 'c1')).toMatchObject({ trusted: false, reason: 'no-backup', fix: expect.stringContaining('pgbackrest backup') });
  });
});
