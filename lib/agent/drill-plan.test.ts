import { describe, expect, it } from 'vitest';
import { boundOutput, drillRestoreCommand, drillSpaceNeeded, judgeTargetStop, parseLogTime, pgTimestamp, resolveDrillBackup, restoreArgs, scratchSettings } from './drill-plan.ts';

const info = [
  {
    name: 'main',
    db: [{ id: 1, 'system-id': 7400000000000000001 }, { id: 2, 'system-id': '7400000000000000002' }],
    backup: [
      { label: '20261130-100000F', type: 'full', reference: null, timestamp: { start: 1796032800, stop: 1796033100 }, info: { size: 1000 }, database: { id: 2 } },
      { label: '20261130-100000F_20261201-080000D', type: 'diff', reference: ['20261130-100000F'], timestamp: { start: 1796112000, stop: 1796112060 }, info: { size: 200 }, database: { id: 2 } },
      { label: '20261130-100000F_20261201-090000I', type: 'incr', reference: ['20261130-100000F', '20261130-100000F_20261201-080000D'], timestamp: { start: 1796115600, stop: 1796115660 }, info: { size: 50 }, database: { id: 2 } },
    ],
  },
];

describe('resolveDrillBackup', () => {
  const cases: { name: string; want: { backup?: string; targetTime?: string }; label?: string; chain?: string[]; error?: RegExp }[] = [
    { name: 'the newest by default, with its chain', want: {}, label: '20261130-100000F_20261201-090000I', chain: ['20261130-100000F', '20261130-100000F_20261201-080000D', '20261130-100000F_20261201-090000I'] },
    { name: 'a label', want: { backup: '20261130-100000F' }, label: '20261130-100000F', chain: ['20261130-100000F'] },
    { name: 'a diff: its full, then itself', want: { backup: '20261130-100000F_20261201-080000D' }, chain: ['20261130-100000F', '20261130-100000F_20261201-080000D'] },
    { name: 'a time: the newest finished before it', want: { targetTime: '2026-12-01T08:30:00Z' }, label: '20261130-100000F_20261201-080000D' },
    { name: 'a time before every backup', want: { targetTime: '2026-11-30T10:01:00Z' }, error: /no backup of stanza main finished before/ },
    { name: 'an unknown label', want: { backup: '20261129-100000F' }, error: /no backup labelled 20261129-100000F/ },
  ];
  for (const t of cases) {
    it(t.name, () => {
      const r = resolveDrillBackup(info, 'main', t.want);
      if (t.error) return expect('error' in r && r.error).toMatch(t.error);
      if ('error' in r) throw new Error(r.error);
      if (t.label) expect(r.label).toBe(t.label);
      if (t.chain) expect(r.chain).toEqual(t.chain);
      expect(r.systemIdentifier).toBe('7400000000000000002');
    });
  }
  it('a missing stanza or no backups', () => {
    expect(resolveDrillBackup(info, 'other', {})).toEqual({ error: 'stanza other is not in pgbackrest info' });
    expect(resolveDrillBackup([{ name: 'main', backup: [] }], 'main', {})).toEqual({ error: 'stanza main has no backups' });
  });
});

describe('restore arguments and scratch settings', () => {
  it('restores the set into the scratch path, never archiving; a point in time promotes there', () => {
    const cfg = { stanza: 'main', config: '/etc/pgbackrest.conf', bin: 'pgbackrest' };
    expect(restoreArgs(cfg, { pgPath: '/tmp/d', label: 'L' })).toEqual(['--config=/etc/pgbackrest.conf', '--stanza=main', '--pg1-path=/tmp/d', '--set=L', '--archive-mode=off', '--log-level-console=info', 'restore']);
    expect(restoreArgs({ ...cfg, config: undefined }, { pgPath: '/tmp/d', label: 'L', targetTime: '2026-12-01T10:15:00.5Z' })).toEqual(['--stanza=main', '--pg1-path=/tmp/d', '--set=L', '--type=time', '--target=2026-12-01 10:15:00.500+00', '--target-action=promote', '--archive-mode=off', '--log-level-console=info', 'restore']);
  });
  it('the scratch instance listens on its private socket only and never archives or streams', () => {
    const s = scratchSettings({ port: 5999, socketDir: "/tmp/it's", hbaFile: '/tmp/h', identFile: '/tmp/i' });
    expect(scratchSettings({ port: 1, socketDir: '/s', hbaFile: '/h', identFile: '/i', restoreCommand: drillRestoreCommand({ stanza: 'main', bin: '/usr/bin/pgbackrest' }, '/s/data') })).toContain(`restore_command = '/usr/bin/pgbackrest --stanza=main --pg1-path=/s/data --archive-async=n archive-get %f "%p"'`);
    for (const line of ["listen_addresses = ''", "unix_socket_directories = '/tmp/it''s'", 'archive_mode = off', "primary_conninfo = ''", 'hot_standby = off', 'max_wal_senders = 0', 'port = 5999', "hba_file = '/tmp/h'"]) expect(s).toContain(line);
  });
  it('space: the restored size, a fifth more and 64 MiB', () => {
    expect(drillSpaceNeeded(1000)).toBe(1200 + 64 * 1024 * 1024);
    expect(drillSpaceNeeded(null)).toBe(64 * 1024 * 1024);
  });
  it('times', () => {
    expect(pgTimestamp('2026-12-01T11:15:00+01:00')).toBe('2026-12-01 10:15:00.000+00');
    expect(parseLogTime('2026-12-01 10:15:00.123456+00')).toBe(Date.parse('2026-12-01T10:15:00.123Z'));
    expect(parseLogTime('2026-12-01 11:15:00+01')).toBe(Date.parse('2026-12-01T10:15:00Z'));
    expect(parseLogTime('nonsense')).toBeNaN();
  });
});

describe('judgeTargetStop', () => {
  const target = '2026-12-01T10:15:00.000Z';
  const cases: { name: string; log: string; ok: boolean; detail?: RegExp }[] = [
    { name: 'stopped before the first commit past the target', log: 'LOG:  recovery stopping before commit of transaction 745, time 2026-12-01 10:15:01.2+00\nLOG:  last completed transaction was at log time 2026-12-01 10:14:59.9+00', ok: true, detail: /transaction 745/ },
    { name: 'a commit after the target was replayed', log: 'LOG:  last completed transaction was at log time 2026-12-01 10:15:03+00', ok: false },
    { name: 'stopped before a commit that was before the target', log: 'LOG:  recovery stopping before commit of transaction 9, time 2026-12-01 10:14:00+00', ok: false },
    { name: 'no word in the log', log: 'LOG:  database system is ready', ok: false, detail: /does not show/ },
  ];
  for (const t of cases) {
    it(t.name, () => {
      const r = judgeTargetStop(t.log, target);
      expect(r.ok).toBe(t.ok);
      if (t.detail) expect(r.detail).toMatch(t.detail);
    });
  }
});

describe('boundOutput', () => {
  it('removes credentials and keeps the last 4000 characters', () => {
    expect(boundOutput("primary_conninfo = 'host=x password=hunter2' postgresql://u:p@h/db token: abc")).toBe("primary_conninfo = 'host=x password=[redacted]' [url] token: [redacted]");
    const long = boundOutput('x'.repeat(5000) + 'END');
    expect(long.length).toBe(4001);
    expect(long.endsWith('END')).toBe(true);
  });
});
