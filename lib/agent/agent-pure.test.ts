import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalisePgBackRestInfo } from './read-backup-catalog.ts';
import { timelineFromWalFile } from './read-postgres-status.ts';
import { tokenMatches } from './server.ts';
import { fenceDataDir } from './fence-data-dir.ts';
import { readFencingState, writeFencingState, stateFilePath, StateCorruptError } from './fencing-state.ts';
import { ZBackupCatalog } from './protocol.ts';

describe('tokenMatches', () => {
  it.each([
    ['Bearer secret-token-0123456789', true],
    ['bearer secret-token-0123456789', true],
    ['Bearer secret-token-012345678', false],
    ['Bearer ', false],
    ['secret-token-0123456789', false],
    [undefined, false],
  ])('%s -> %s', (header, ok) => {
    expect(tokenMatches('secret-token-0123456789', header)).toBe(ok);
  });
});

describe('timelineFromWalFile', () => {
  it.each([
    ['000000010000000000000003', 1],
    ['0000000A0000000000000003', 10],
  ])('%s -> %d', (f, t) => expect(timelineFromWalFile(f)).toBe(t));
});

describe('normalisePgBackRestInfo', () => {
  const raw = [
    {
      name: 'main',
      status: { code: 0, message: 'ok' },
      archive: [{ id: '15-1', min: '000000010000000000000003', max: '000000010000000000000005' }],
      backup: [
        {
          label: '20260101-120000F',
          type: 'full',
          error: false,
          timestamp: { start: 1767268800, stop: 1767268805 },
          archive: { start: '000000010000000000000003', stop: '000000010000000000000003' },
          lsn: { start: '0/3000028', stop: '0/3000100' },
          info: { size: 23000000, delta: 23000000, repository: { size: 3000000, delta: 3000000 } },
        },
      ],
    },
  ];
  it('normalises a stanza', () => {
    const c = normalisePgBackRestInfo('main', raw);
    expect(ZBackupCatalog.parse(c)).toEqual(c);
    expect(c.walArchiveMin).toBe('000000010000000000000003');
    expect(c.walArchiveMax).toBe('000000010000000000000005');
    expect(c.backups[0]).toMatchObject({ label: '20260101-120000F', type: 'full', startedAt: '2026-01-01T12:00:00.000Z', sizeBytes: 23000000, repoSizeBytes: 3000000, lsnStart: '0/3000028' });
    expect(c.error).toBeUndefined();
  });
  it('reports a missing stanza as an error, not as an empty catalog', () => {
    expect(normalisePgBackRestInfo('other', raw).error).toBe('stanza not found');
  });
});

describe('fenceDataDir', () => {
  it('writes standby.signal and clears primary_conninfo, idempotently', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vakt-fence-'));
    try {
      fs.writeFileSync(path.join(dir, 'postgresql.auto.conf'), "# Do not edit\nmax_connections = '50'\nprimary_conninfo = 'host=x port=1'\nprimary_slot_name = 'n2_slot'\n");
      expect(await fenceDataDir(dir, 4)).toEqual(['standby.signal written', 'primary_conninfo cleared']);
      const auto = fs.readFileSync(path.join(dir, 'postgresql.auto.conf'), 'utf8');
      expect(auto).toContain("max_connections = '50'");
      expect(auto).not.toContain('host=x');
      expect(auto).not.toContain('n2_slot');
      expect(auto).toMatch(/^primary_conninfo = ''$/m);
      expect(fs.existsSync(path.join(dir, 'standby.signal'))).toBe(true);
      expect(await fenceDataDir(dir, 5)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('fencing state file', () => {
  it('round-trips atomically and fails closed on garbage', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vakt-state-'));
    try {
      expect(await readFencingState(dir)).toMatchObject({ epoch: 0, fenced: false });
      await writeFencingState(dir, { epoch: 7, fenced: true, since: '2026-01-01T00:00:00.000Z', reason: 'r', promotion: null });
      expect(await readFencingState(dir)).toMatchObject({ epoch: 7, fenced: true, reason: 'r' });
      expect(fs.readdirSync(dir)).toEqual(['fencing.json']);
      fs.writeFileSync(stateFilePath(dir), '{"epoch":');
      await expect(readFencingState(dir)).rejects.toBeInstanceOf(StateCorruptError);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
