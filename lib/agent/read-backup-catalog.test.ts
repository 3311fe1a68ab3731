import { describe, expect, it } from 'vitest';
import { ZBackupCatalog } from './protocol.ts';
import { normalisePgBackRestInfo } from './read-backup-catalog.ts';

// The fields pgBackRest 2.x prints in `info --output=json` beyond label/type/size (chain, databases,
// lock, archive ranges per database history id, repositories), and old catalogs still validating.
const raw = [
  {
    name: 'vakt',
    status: { code: 0, message: 'ok', lock: { backup: { held: true } } },
    repo: [{ key: 1, cipher: 'none', status: { code: 0, message: 'ok' } }],
    archive: [
      { id: '15-1', database: { id: 1, 'repo-key': 1 }, min: '000000010000000000000002', max: '000000010000000000000004' },
      { id: '15-2', database: { id: 2, 'repo-key': 1 }, min: '000000010000000000000006', max: '00000002000000000000000A' },
    ],
    backup: [
      { label: '20260101-120000F', type: 'full', prior: null, reference: null, database: { id: 2, 'repo-key': 1 }, 'database-ref': [{ name: 'postgres', oid: 5 }, { name: 'app', oid: 16384 }], error: false, timestamp: { start: 1767268800, stop: 1767268805 }, archive: { start: '000000010000000000000006', stop: '000000010000000000000006' }, info: { size: 100, repository: { size: 10, delta: 10 } } },
      { label: '20260101-120000F_20260102-120000I', type: 'incr', prior: '20260101-120000F', reference: ['20260101-120000F'], database: { id: 2 }, error: true, timestamp: { start: 1767355200, stop: 1767355205 }, archive: { start: '000000010000000000000008', stop: '000000010000000000000008' }, info: { size: 110, repository: { delta: 2 } } },
    ],
  },
];

describe('normalisePgBackRestInfo: chain, databases, lock, archives', () => {
  it('carries every field, and validates against the protocol', () => {
    const c = normalisePgBackRestInfo('vakt', raw, '/etc/pgbackrest/vakt.conf');
    expect(ZBackupCatalog.parse(c)).toEqual(c);
    expect(c.backupRunning).toBe(true);
    expect(c.configPath).toBe('/etc/pgbackrest/vakt.conf');
    expect(c.repos).toEqual([{ key: 1, status: { code: 0, message: 'ok' } }]);
    expect(c.archives).toEqual([
      { id: '15-1', dbId: 1, min: '000000010000000000000002', max: '000000010000000000000004' },
      { id: '15-2', dbId: 2, min: '000000010000000000000006', max: '00000002000000000000000A' },
    ]);
    expect(c.walArchiveMin).toBe('000000010000000000000002');
    expect(c.walArchiveMax).toBe('00000002000000000000000A');
    expect(c.backups[0]).toMatchObject({ prior: null, reference: null, databases: [{ name: 'postgres', oid: 5 }, { name: 'app', oid: 16384 }], dbId: 2, error: false });
    expect(c.backups[1]).toMatchObject({ type: 'incr', prior: '20260101-120000F', reference: ['20260101-120000F'], databases: null, error: true, repoSizeBytes: 2 });
  });
  it('no lock information: unknown, not "not running"', () => {
    const c = normalisePgBackRestInfo('vakt', [{ ...raw[0], status: { code: 0, message: 'ok' } }]);
    expect(c.backupRunning).toBeNull();
  });
  it('a catalog of an older agent (without the new fields) still validates', () => {
    const old = { tool: 'pgbackrest', stanza: 'vakt', status: { code: 0, message: 'ok' }, walArchiveMin: null, walArchiveMax: null, backups: [{ label: 'x', type: 'full', startedAt: 'a', stoppedAt: 'b', sizeBytes: 1, repoSizeBytes: 1, walStart: null, walStop: null }] };
    expect(ZBackupCatalog.safeParse(old).success).toBe(true);
  });
});
