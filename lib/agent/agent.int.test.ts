import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgCluster, freezeProcess, makeDirUnwritable, postmasterPid, startWriteLoad, waitFor, type TPgCluster, type TPgNode } from '@/tests/support/pg-cluster';
import { ZActionResult, ZAgentError } from './protocol.ts';
import { lsnDiff } from '../pg/lsn.ts';

// One cluster for the whole file: n1 (primary, oslo), n2 (sync replica, oslo), n3 (async, bergen).
// Agents run in-process and connect as the non-superuser role from the README (pg_monitor +
// EXECUTE on pg_promote), so every assertion here also proves those grants suffice.
// The tests run in order and build on each other: status -> auth -> fence n1 -> promote n2.

let cluster: TPgCluster;
let n1: TPgNode, n2: TPgNode, n3: TPgNode;

beforeAll(async () => {
  cluster = await createPgCluster({
    primary: { name: 'n1', site: 'oslo' },
    replicas: [
      { name: 'n2', site: 'oslo' },
      { name: 'n3', site: 'bergen' },
    ],
    sync: ['n2'],
  });
  [n1, n2, n3] = cluster.nodes;
});
afterAll(async () => {
  await cluster?.cleanup();
});

describe('GET /v1/status', () => {
  it('reports roles, timeline, system identifier, LSNs and replication lag under load', async () => {
    const load = await startWriteLoad(n1, { intervalMs: 20 });
    await waitFor(async () => load.inserted() > 20, 10_000, 'load');
    const s1 = await n1.agent!.status();
    // the *_lag columns are NULL until a standby has acknowledged new WAL, and again when it is idle
    let s1b = s1;
    await waitFor(
      async () => {
        s1b = await n1.agent!.status();
        return s1b.postgres.replication!.length === 2 &&
          s1b.postgres.replication!.every((r) => r.writeLagSeconds !== null && r.flushLagSeconds !== null && r.replayLagSeconds !== null);
      },
      10_000,
      'lag columns filled',
      20,
    );
    const [s2, s3] = await Promise.all([n2.agent!.status(), n3.agent!.status()]);
    const stopped = await load.stop();
    expect(stopped.errors).toBe(0);

    expect(s1.node).toEqual({ name: 'n1', site: 'oslo', dataDirectory: n1.dataDir, pgBin: cluster.binaries.bin, canFollow: false });
    expect(s3.node).toEqual({ name: 'n3', site: 'bergen', dataDirectory: n3.dataDir, pgBin: cluster.binaries.bin, canFollow: false });
    expect(s1.postgres.settings?.port).toBe(n1.port);
    expect([s1.postgres.role, s2.postgres.role, s3.postgres.role]).toEqual(['primary', 'replica', 'replica']);
    expect([s1.postgres.timeline, s2.postgres.timeline, s3.postgres.timeline]).toEqual([1, 1, 1]);
    expect(s1.postgres.systemIdentifier).toMatch(/^\d{10,}$/);
    expect(s2.postgres.systemIdentifier).toBe(s1.postgres.systemIdentifier);
    expect(s3.postgres.systemIdentifier).toBe(s1.postgres.systemIdentifier);
    expect(s1.postgres.serverVersion).toMatch(/^\d+/);

    expect(s1.postgres.currentLsn).toBeTruthy();
    expect(s1.postgres.replayLsn ?? null).toBeNull();
    expect(lsnDiff(s1b.postgres.currentLsn!, s1.postgres.currentLsn!)).toBeGreaterThan(0); // load advanced WAL
    for (const s of [s2, s3]) {
      expect(s.postgres.receiveLsn).toBeTruthy();
      expect(s.postgres.replayLsn).toBeTruthy();
      expect(s.postgres.lastReplayAt).toBeTruthy();
      expect(s.postgres.currentLsn ?? null).toBeNull();
      expect(s.postgres.walReceiver).toMatchObject({ status: 'streaming', senderHost: '127.0.0.1', senderPort: n1.port, receivedTimeline: 1 });
      expect(s.postgres.replication).toEqual([]);
    }
    expect(s2.postgres.walReceiver!.slotName).toBe('n2_slot');

    const rows = s1b.postgres.replication!;
    expect(rows.map((r) => [r.applicationName, r.state, r.syncState])).toEqual([
      ['n2', 'streaming', 'sync'],
      ['n3', 'streaming', 'async'],
    ]);
    for (const r of rows) {
      expect(r.clientAddr).toContain('127.0.0.1');
      expect(r.sentLsn).toBeTruthy();
      expect(r.replayLsn).toBeTruthy();
      expect(r.writeLagSeconds).toBeGreaterThanOrEqual(0);
      expect(r.flushLagSeconds).toBeGreaterThanOrEqual(0);
      expect(r.replayLagSeconds).toBeGreaterThanOrEqual(0);
      expect(r.replayLagBytes).toBeGreaterThanOrEqual(0);
    }

    expect(s1.postgres.settings).toMatchObject({
      synchronousStandbyNames: 'FIRST 1 ("n2")',
      synchronousCommit: 'on',
      archiveMode: 'off',
      fsync: false,
      fullPageWrites: true,
      dataChecksums: true,
      walLevel: 'replica',
    });
    expect(s1.postgres.archiver).toMatchObject({ archivedCount: 0, failedCount: 0 });
    expect(s1.postgres.databases!.map((d) => d.name)).toContain('postgres');
    expect(s1.storage!.totalBytes).toBeGreaterThan(s1.storage!.freeBytes);
    expect(s1.storage!.dataBytes).toBeGreaterThan(1_000_000);
    expect(s1.backups).toBeNull();
    expect(s1.fencing).toEqual({ epoch: 0, fenced: false, since: null, reason: null });
    expect(s1.protocol).toBe('vakt.agent/v1');
    expect(s1.agent.name).toBe('vakt-agent');
  });

  it('reports the server synchronous_commit and every role/database override, also when the agent role has its own', async () => {
    const before = await n1.agent!.status();
    expect(before.postgres.settings).toMatchObject({ serverSynchronousCommit: 'on', synchronousCommitOverrides: [] });

    await n1.psql(`CREATE ROLE app_writer LOGIN`);
    await n1.psql(`ALTER ROLE app_writer SET synchronous_commit = local`);
    await n1.psql(`CREATE DATABASE appdb`);
    await n1.psql(`ALTER DATABASE appdb SET synchronous_commit = remote_write`);
    await n1.psql(`ALTER ROLE app_writer IN DATABASE postgres SET work_mem = '8MB'`); // other settings are not overrides
    try {
      const s = await n1.agent!.status();
      expect(s.postgres.settings!.serverSynchronousCommit).toBe('on');
      expect(s.postgres.settings!.synchronousCommitOverrides).toEqual([
        { role: null, database: 'appdb', value: 'remote_write' },
        { role: 'app_writer', database: null, value: 'local' },
      ]);

      // the agent's own login role is overridden: its session says 'off', the server still 'on'
      await n1.psql(`ALTER ROLE vakt_agent SET synchronous_commit = off`);
      const own = await n1.agent!.status();
      // pg_monitor cannot read pg_file_settings: the server value is unknown (null), never the role's 'off'
      expect(own.postgres.settings!.serverSynchronousCommit).toBeNull();
      expect(own.postgres.settings!.synchronousCommitOverrides).toContainEqual({ role: 'vakt_agent', database: null, value: 'off' });
      // with the documented grant it reads the server's value from the configuration files
      await n1.psql(`GRANT SELECT ON pg_file_settings TO vakt_agent; GRANT EXECUTE ON FUNCTION pg_show_all_file_settings() TO vakt_agent`);
      await n1.psql(`ALTER SYSTEM SET synchronous_commit = remote_apply`);
      await n1.psql(`SELECT pg_reload_conf()`);
      await waitFor(async () => (await n1.agent!.status()).postgres.settings!.serverSynchronousCommit === 'remote_apply', 10_000, 'server value from the files');
    } finally {
      await n1.psql(`ALTER SYSTEM RESET synchronous_commit`);
      await n1.psql(`SELECT pg_reload_conf()`);
      await n1.psql(`ALTER ROLE vakt_agent RESET synchronous_commit`);
      await n1.psql(`REVOKE SELECT ON pg_file_settings FROM vakt_agent; REVOKE EXECUTE ON FUNCTION pg_show_all_file_settings() FROM vakt_agent`);
      await n1.psql(`DROP DATABASE appdb`);
      await n1.psql(`DROP ROLE app_writer`);
    }
    await waitFor(async () => (await n1.agent!.status()).postgres.settings!.serverSynchronousCommit === 'on', 10_000, 'back to on');
  });

  it('answers 200 with reachable:false when PostgreSQL is down', async () => {
    await n3.stopPg('fast');
    try {
      const s = await n3.agent!.status();
      expect(s.postgres.reachable).toBe(false);
      expect(s.postgres.role).toBe('unknown');
      expect(s.postgres.error).toMatch(/ECONNREFUSED|connect/i);
      expect(s.storage!.totalBytes).toBeGreaterThan(0);
      expect(s.fencing.fenced).toBe(false);
    } finally {
      await n3.startPg();
    }
    await waitFor(async () => (await n3.agent!.status()).postgres.reachable, 10_000, 'n3 back');
  });
});

describe('HTTP surface', () => {
  it('rejects a missing or wrong token with 401 JSON', async () => {
    for (const token of [null, 'wrong-token-wrong-token', n2.agentToken + 'x', '']) {
      const r = await n1.agent!.request('/v1/status', { token });
      expect(r.status).toBe(401);
      expect(ZAgentError.parse(r.body).error.code).toBe('UNAUTHORIZED');
    }
    const r = await n1.agent!.request('/v1/fence', { method: 'POST', token: null, body: { epoch: 99, reason: 'x' } });
    expect(r.status).toBe(401);
    expect((await n1.agent!.status()).fencing.epoch).toBe(0);
  });

  it('answers bad requests with JSON errors and no stack traces', async () => {
    const a = n1.agent!;
    const cases = [
      [await a.request('/v1/nope'), 404, 'NOT_FOUND'],
      [await a.request('/v1/status', { method: 'POST', body: {} }), 405, 'METHOD_NOT_ALLOWED'],
      [await a.request('/v1/fence', { method: 'POST', rawBody: '{not json', headers: { 'content-type': 'application/json' } }), 400, 'BAD_JSON'],
      [await a.request('/v1/fence', { method: 'POST', body: { epoch: 'x', reason: 'r' } }), 422, 'VALIDATION_FAILED'],
      [await a.request('/v1/promote', { method: 'POST', body: { epoch: 1, extra: true } }), 422, 'VALIDATION_FAILED'],
      [await a.request('/v1/fence', { method: 'POST', body: { epoch: 1, reason: 'x'.repeat(20_000) } }), 413, 'PAYLOAD_TOO_LARGE'],
    ] as const;
    for (const [r, status, code] of cases) {
      expect(r.status).toBe(status);
      expect(ZAgentError.parse(r.body).error.code).toBe(code);
      expect(JSON.stringify(r.body)).not.toMatch(/\n\s+at /);
    }
    expect(ZAgentError.parse(cases[3][0].body).error.message).toContain('epoch');
  });
});

describe('POST /v1/fence', () => {
  it('persists fenced state, writes standby.signal, clears primary_conninfo and stops the server', async () => {
    const r = await n1.agent!.fence(2, 'failover drill');
    expect(r.status).toBe(200);
    expect(ZActionResult.parse(r.body)).toMatchObject({ ok: true, epoch: 2, alreadyDone: false, finalPosition: { basis: 'clean-shutdown', timeline: 1 } });
    expect(fs.existsSync(path.join(n1.dataDir, 'standby.signal'))).toBe(true);
    expect(fs.readFileSync(path.join(n1.dataDir, 'postgresql.auto.conf'), 'utf8')).toMatch(/^primary_conninfo = ''$/m);
    expect(await n1.isRunning()).toBe(false);
    const s = await n1.agent!.status();
    expect(s.postgres.reachable).toBe(false);
    expect(s.fencing).toMatchObject({ epoch: 2, fenced: true, reason: 'failover drill' });
    expect(s.fencing.since).toBeTruthy();
  });

  it('is idempotent when repeated and rejects a stale epoch with 409', async () => {
    const again = await n1.agent!.fence(2, 'failover drill');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ ok: true, epoch: 2, alreadyDone: true });
    const stale = await n1.agent!.fence(1, 'old executor');
    expect(stale.status).toBe(409);
    expect(stale.body.error?.code).toBe('STALE_EPOCH');
    expect((await n1.agent!.status()).fencing.epoch).toBe(2);
  });

  it('keeps the node fenced across an agent restart', async () => {
    const before = (await n1.agent!.status()).fencing;
    await n1.agent!.stop();
    await n1.agent!.start();
    expect((await n1.agent!.status()).fencing).toEqual(before);
    const promote = await n1.agent!.promote(3);
    expect(promote.status).toBe(409);
    expect(promote.body.error?.code).toBe('FENCED');
  });

  it('a manual restart of the fenced node comes up read-only, streaming from nobody', async () => {
    await n1.startPg();
    try {
      const [{ r }] = await n1.psql<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
      expect(r).toBe(true);
      await expect(n1.psql('CREATE TABLE must_fail(id int)')).rejects.toThrow(/read-only/);
      const [{ c }] = await n1.psql<{ c: string }>(`SELECT current_setting('primary_conninfo') AS c`);
      expect(c).toBe('');
      expect((await n1.agent!.status()).postgres.role).toBe('replica');
    } finally {
      await n1.stopPg('fast');
    }
  });
});

describe('lost state file (the data directory carries the fence marker)', () => {
  it('state file removed on a fenced node: still fenced, inconsistency reported', async () => {
    const a = n1.agent!;
    const stateFile = path.join(a.stateDir, 'fencing.json');
    expect((await a.status()).fencing).toMatchObject({ epoch: 2, fenced: true });
    expect(fs.existsSync(path.join(n1.dataDir, 'standby.signal'))).toBe(true);
    fs.rmSync(stateFile);
    await a.stop();
    await a.start(); // a fresh agent process state: nothing but the disk
    const s = await a.status();
    expect(s.fencing).toMatchObject({ epoch: 2, fenced: true, inconsistency: 'state file missing; data directory carries the fence marker (epoch 2)' });
    // promote and unfence are refused until an operator resolves it; refusals write nothing
    for (const [p, body] of [['/v1/promote', { epoch: 3 }], ['/v1/unfence', { epoch: 3, reason: 'try' }]] as const) {
      const r = await a.request(p, { method: 'POST', body });
      expect(r.status).toBe(409);
      expect(ZAgentError.parse(r.body).error.code).toBe('STATE_INCONSISTENT');
      expect(r.body.error.message).toContain('data directory carries the fence marker');
    }
    // the marker's epoch still counts
    const stale = await a.fence(1, 'old executor');
    expect(stale.status).toBe(409);
    expect(stale.body.error?.code).toBe('STALE_EPOCH');
    expect(fs.existsSync(stateFile)).toBe(false);
    // a manual start still comes up read-only
    await n1.startPg();
    try {
      expect((await n1.psql<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0].r).toBe(true);
      expect((await a.status()).fencing).toMatchObject({ fenced: true, inconsistency: expect.stringContaining('fence marker') });
    } finally {
      await n1.stopPg('fast');
    }
    // resolved by fencing again (the safe direction): the state file records the fence
    const again = await a.fence(2, 'state file restored by fencing again');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ ok: true, epoch: 2, alreadyDone: false });
    const after = await a.status();
    expect(after.fencing).toMatchObject({ epoch: 2, fenced: true, reason: 'state file restored by fencing again' });
    expect(after.fencing.inconsistency).toBeUndefined();
    expect((await a.promote(3)).body.error?.code).toBe('FENCED');
  });
});

describe('POST /v1/promote', () => {
  let forkLsn: string;
  it('promotes a replica onto a new timeline and answers the fork point', async () => {
    const r = await n2.agent!.promote(2);
    expect(r.status).toBe(200);
    expect(ZActionResult.parse(r.body)).toMatchObject({ ok: true, epoch: 2, alreadyDone: false, timeline: 2 });
    // the fork point is the switch point PostgreSQL wrote into the new timeline's history file
    const [{ history }] = await n2.psql<{ history: string }>(`SELECT pg_read_file('pg_wal/00000002.history') AS history`);
    const switchPoint = /^1\t([0-9A-F]+\/[0-9A-F]+)\t/m.exec(history)?.[1];
    expect(switchPoint).toBeTruthy();
    expect(r.body.forkLsn).toBe(switchPoint);
    forkLsn = r.body.forkLsn!;
    const s = await n2.agent!.status();
    expect(s.postgres.role).toBe('primary');
    expect(s.postgres.timeline).toBe(2); // correct before any checkpoint
    expect(s.fencing).toMatchObject({ epoch: 2, fenced: false });
    await n2.psql('CREATE TABLE after_promotion(id int)');
  });

  it('is idempotent when repeated with the same epoch, with the same fork point (also after an agent restart)', async () => {
    const r = await n2.agent!.promote(2);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: true, epoch: 2, alreadyDone: true, timeline: 2, forkLsn });
    await n2.agent!.stop();
    await n2.agent!.start();
    const again = await n2.agent!.promote(2);
    expect(again.body).toMatchObject({ ok: true, epoch: 2, alreadyDone: true, timeline: 2, forkLsn });
  });

  it('rejects a stale epoch and a node that is not in recovery', async () => {
    const stale = await n2.agent!.promote(1);
    expect(stale.status).toBe(409);
    expect(stale.body.error?.code).toBe('STALE_EPOCH');
    const notInRecovery = await n2.agent!.promote(3);
    expect(notInRecovery.status).toBe(409);
    expect(notInRecovery.body.error?.code).toBe('NOT_IN_RECOVERY');
    expect((await n2.agent!.status()).fencing.epoch).toBe(2); // a refused call does not advance the epoch
  });

  it('a replica still following the old primary is unaffected', async () => {
    const s = await n3.agent!.status();
    expect(s.postgres.role).toBe('replica');
    expect(s.postgres.timeline).toBe(1);
    // it received nothing past the fork point: it has not diverged from the new timeline
    expect(lsnDiff(forkLsn, s.postgres.receiveLsn!)).toBeGreaterThanOrEqual(0);
    expect(s.postgres.systemIdentifier).toBe((await n2.agent!.status()).postgres.systemIdentifier);
  });
});

describe('a fence that cannot complete', () => {
  // n2 is the primary now (promoted above). Short stop waits on its agent so the frozen stop is quick.
  it('reports its timeouts, derived from its settings', async () => {
    const a = n2.agent!;
    await a.stop();
    a.env.VAKT_AGENT_STOP_TIMEOUT_SECONDS = '2';
    a.env.VAKT_AGENT_IMMEDIATE_STOP_TIMEOUT_SECONDS = '2';
    await a.start();
    // 3 x pg_ctl status (15 s) + (2 + 10) + (2 + 10) + 5 + 30 (final position); connect 3 s + 5 x (3 + 1) + (30 + 11) + 5
    // follow: the fence's pg_ctl calls + start 60 + 10 + 5 + 2 x (3 + 1) + 5; resume: 2 x 15 + 60 + 10 + 5 + 8 + 5
    expect((await a.status()).timeouts).toEqual({ fenceSeconds: 104, promoteSeconds: 69, standbySeconds: 106, upstreamSeconds: 37, followSeconds: 157, resumeSeconds: 118 });
    expect((await n3.agent!.status()).timeouts).toEqual({ fenceSeconds: 190, promoteSeconds: 69, standbySeconds: 106, upstreamSeconds: 37, followSeconds: 243, resumeSeconds: 118 });
  });

  it('unwritable state directory: 500 STATE_WRITE_FAILED, nothing changed, the primary not claimed fenced', async () => {
    const a = n2.agent!;
    const before = (await a.status()).fencing;
    expect(before).toMatchObject({ epoch: 2, fenced: false });
    const lock = makeDirUnwritable(a.stateDir);
    let r;
    try {
      r = await a.fence(3, 'drill');
    } finally {
      lock.restore();
    }
    expect(r.status).toBe(500);
    expect(ZAgentError.parse(r.body).error.code).toBe('STATE_WRITE_FAILED');
    expect(r.body.error!.message).toMatch(/nothing was changed/);
    expect(await n2.isRunning()).toBe(true);
    expect(fs.existsSync(path.join(n2.dataDir, 'standby.signal'))).toBe(false);
    const s = await a.status();
    expect(s.fencing).toEqual(before); // not fenced, epoch not advanced
    expect(s.postgres.role).toBe('primary');
    await n2.psql('INSERT INTO after_promotion VALUES (1)');
  });

  it('postmaster frozen with SIGSTOP: 500 FENCE_FAILED within the timeouts; after the thaw it is not a writable primary', async () => {
    const a = n2.agent!;
    const { fenceSeconds } = (await a.status()).timeouts!;
    const ice = freezeProcess(postmasterPid(n2));
    let r;
    let elapsed = 0;
    const t0 = Date.now();
    try {
      r = await a.fence(3, 'frozen drill');
    } finally {
      elapsed = Date.now() - t0;
      ice.thaw();
    }
    expect(r.status).toBe(500);
    expect(ZAgentError.parse(r.body).error.code).toBe('FENCE_FAILED');
    expect(r.body.error!.message).toMatch(/still running after pg_ctl stop -m fast -t 2 and -m immediate -t 2/);
    expect(elapsed).toBeGreaterThanOrEqual(4_000); // both waits ran out
    expect(elapsed).toBeLessThan(fenceSeconds * 1000);
    // the fence was recorded first: the agent says fenced, and the data directory is fenced on disk
    expect((await a.status()).fencing).toMatchObject({ epoch: 3, fenced: true });
    expect(fs.existsSync(path.join(n2.dataDir, 'standby.signal'))).toBe(true);
    // thawed, the postmaster handles the pending stop signals
    await waitFor(async () => !(await n2.isRunning()), 30_000, 'n2 stopped after the thaw');
    // started again (an init system, a person): read-only, streaming from nobody
    await n2.startPg();
    try {
      expect((await n2.psql<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0].r).toBe(true);
      await expect(n2.psql('INSERT INTO after_promotion VALUES (2)')).rejects.toThrow(/read-only/);
    } finally {
      await n2.stopPg('fast');
    }
    // the retry completes
    const retry = await a.fence(3, 'frozen drill');
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ ok: true, epoch: 3 });
    // no node of the cluster accepts writes now
    for (const n of [n1, n2]) expect(await n.isRunning()).toBe(false);
    expect((await n3.psql<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0].r).toBe(true);
  });
});
