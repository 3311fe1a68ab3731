import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalisePgBackRestInfo } from './read-backup-catalog.ts';
import { timelineFromWalFile } from './read-postgres-status.ts';
import { tokenMatches } from './server.ts';
import { fenceDataDir, readDataDirFence } from './fence-data-dir.ts';
import { readAgentState } from './read-agent-state.ts';
import { readStateForEpoch } from './epoch-guard.ts';
import { actionTimeouts } from './action-timeouts.ts';
import type { TAgentConfig } from './config.ts';
import { pino } from 'pino';
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

describe('readDataDirFence and readAgentState (state file lost on a fenced node)', () => {
  function ctxFor(stateDir: string, dataDir: string) {
    const logged: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => logged.push(JSON.parse(line).msg) });
    return { ctx: { config: { stateDir, dataDir } as TAgentConfig, log, caches: new Map() }, logged };
  }

  it('the marker wins over a missing state file: fenced at the marker epoch, inconsistency reported and logged once', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'vakt-marker-'));
    const dataDir = path.join(base, 'data');
    const stateDir = path.join(base, 'state');
    fs.mkdirSync(dataDir);
    fs.mkdirSync(stateDir);
    try {
      const { ctx, logged } = ctxFor(stateDir, dataDir);
      expect(await readDataDirFence(dataDir)).toBeNull();
      expect(await readAgentState(ctx)).toMatchObject({ source: 'none', inconsistency: null, state: { epoch: 0, fenced: false } });

      fs.writeFileSync(path.join(dataDir, 'postgresql.auto.conf'), "primary_conninfo = 'host=x'\n");
      await fenceDataDir(dataDir, 6);
      expect(await readDataDirFence(dataDir)).toEqual({ epoch: 6 });
      const s = await readAgentState(ctx);
      expect(s).toMatchObject({ source: 'marker', unreadable: null, state: { epoch: 6, fenced: true } });
      expect(s.inconsistency).toBe('state file missing; data directory carries the fence marker (epoch 6)');
      await readAgentState(ctx);
      expect(logged.filter((m) => m.startsWith('fencing state inconsistent'))).toHaveLength(1);
      // refused until resolved
      await expect(readStateForEpoch(ctx, 7, 'refusing to promote')).rejects.toMatchObject({ code: 'STATE_INCONSISTENT', status: 409 });

      // an unreadable file with the marker: fenced at the marker's epoch, STATE_UNREADABLE for promote/unfence
      fs.writeFileSync(stateFilePath(stateDir), '{"epoch":');
      const u = await readAgentState(ctx);
      expect(u).toMatchObject({ source: 'marker', state: { epoch: 6, fenced: true } });
      expect(u.inconsistency).toMatch(/^state file unreadable \(fencing\.json is not valid agent state\); data directory carries the fence marker \(epoch 6\)$/);
      await expect(readStateForEpoch(ctx, 7)).rejects.toMatchObject({ code: 'STATE_UNREADABLE' });

      // a state file (here: the one a new fence writes) wins again, also when it says unfenced (after unfence)
      await writeFencingState(stateDir, { epoch: 8, fenced: false, since: null, reason: 'rejoined', promotion: null });
      expect(await readAgentState(ctx)).toMatchObject({ source: 'file', inconsistency: null, state: { epoch: 8, fenced: false } });
      expect(logged).toContain('fencing state inconsistency resolved');

      // the node deliberately pointed at a primary after the marker: no longer carries the fence
      fs.rmSync(stateFilePath(stateDir));
      fs.appendFileSync(path.join(dataDir, 'postgresql.auto.conf'), "primary_conninfo = 'host=new-primary'\n");
      expect(await readDataDirFence(dataDir)).toBeNull();
      // standby.signal gone: no fence either
      await fenceDataDir(dataDir, 9);
      expect(await readDataDirFence(dataDir)).toEqual({ epoch: 9 });
      fs.rmSync(path.join(dataDir, 'standby.signal'));
      expect(await readDataDirFence(dataDir)).toBeNull();
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('actionTimeouts', () => {
  it('derives the longest fence and promote from the agent settings', () => {
    const cfg = { stopTimeoutSeconds: 60, immediateStopTimeoutSeconds: 30, promoteWaitSeconds: 30, pgTimeoutMs: 5_000, startTimeoutSeconds: 60 };
    // fence: 3 pg_ctl status x 15 s + (60 + 10) + (30 + 10) + 5 s of file work + 30 s final-position proof
    // standby: pg_ctl status 15 + (start 60 + 10) + 5 s of retries + connect 5 + 2 x (5 + 1) + 5; upstream: 5 + 6 x (5 + 1) + 5 + 5
    // follow: the fence's pg_ctl calls 155 + standby's start 60 + 10 + 5 + 2 x (5 + 1) + 5; resume: 2 x 15 + 60 + 10 + 5 + 12 + 5
    expect(actionTimeouts(cfg)).toEqual({ fenceSeconds: 190, promoteSeconds: 5 + 5 * 6 + 41 + 5, standbySeconds: 112, upstreamSeconds: 51, followSeconds: 247, resumeSeconds: 122 });
    expect(actionTimeouts({ ...cfg, stopTimeoutSeconds: 2, immediateStopTimeoutSeconds: 2, promoteWaitSeconds: 3, startTimeoutSeconds: 10 })).toEqual({
      fenceSeconds: 104,
      promoteSeconds: 5 + 30 + 14 + 5,
      standbySeconds: 62,
      upstreamSeconds: 51,
      followSeconds: 111,
      resumeSeconds: 72,
    });
  });
});
