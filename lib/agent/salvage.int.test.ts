import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auxiliaryPid, createPgCluster, freezeProcess, postmasterPid, waitFor, type TPgCluster, type TPgNode } from '@/tests/support/pg-cluster';
import { ZActionResult, ZAgentError, type TFinalPosition } from './protocol.ts';
import { lsnDiff } from '../pg/lsn.ts';
import { parseConninfoPairs, upstreamOf } from './conninfo.ts';

// The old primary's proven final position and the WAL-salvage endpoints, on real PostgreSQL.
// One cluster for the file: p (primary), r (replica, always caught up), f (replica whose WAL
// receiver is frozen with SIGSTOP while p keeps writing). Agents use the README's minimal role.
// The truth comes from the writer's own session: pg_current_wal_lsn() after its last commit, and
// the rows it committed. The tests run in order and build on each other.

let cluster: TPgCluster;
let p: TPgNode, r: TPgNode, f: TPgNode;
let committed = 0; // rows the writer committed on p

/** The writer: `n` commits on its own session, then pg_current_wal_lsn() on that session. */
async function write(n: number, on: TPgNode = p): Promise<string> {
  const c = new pg.Client({ connectionString: on.pgUrl });
  await c.connect();
  try {
    for (let i = 0; i < n; i++) {
      await c.query('INSERT INTO salvage_rows(payload) VALUES ($1)', ['x'.repeat(400)]);
      if (on === p) committed++;
    }
    return (await c.query('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
  } finally {
    await c.end();
  }
}

const receiveLsn = async (n: TPgNode) => (await n.psql<{ lsn: string }>('SELECT pg_last_wal_receive_lsn()::text AS lsn'))[0].lsn;
const replayed = async (n: TPgNode, lsn: string) => (await n.psql<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn]))[0].ok;
const post = (n: TPgNode, route: string, body: unknown) => n.agent!.request(route, { method: 'POST', body });

async function stoppedStatus(n: TPgNode) {
  const s = await n.agent!.status();
  expect(s.postgres.reachable).toBe(false);
  return s.postgres.stopped!;
}

/** Waits until the agent has proven a final position (the first status may answer while pg_waldump still runs). */
async function provenFinal(n: TPgNode): Promise<TFinalPosition> {
  let final: TFinalPosition | null = null;
  await waitFor(async () => {
    const st = await stoppedStatus(n);
    final = st.finalPosition;
    return final !== null;
  }, 20_000, `${n.name}: final position proven`);
  return final!;
}

beforeAll(async () => {
  cluster = await createPgCluster({
    primary: { name: 'p', site: 'oslo' },
    replicas: [
      { name: 'r', site: 'oslo' },
      { name: 'f', site: 'bergen' },
    ],
    // a clean shutdown waits for every walsender; the one to the frozen f gives up after this
    settings: { wal_sender_timeout: '5s' },
  });
  [p, r, f] = cluster.nodes;
  await p.agent!.stop();
  p.agent!.env.VAKT_AGENT_REPLICATION_ADDRESS = `127.0.0.1:${p.port}`;
  await p.agent!.start();
  await p.psql('CREATE TABLE salvage_rows (id bigserial PRIMARY KEY, payload text)');
  await cluster.waitForReplay();
});
afterAll(async () => {
  await cluster?.cleanup();
});

describe('the stopped primary proves its final position', () => {
  it('reports where peers stream from, and nothing stopped while it runs', async () => {
    const s = await p.agent!.status();
    expect(s.node.replicationAddress).toEqual({ host: '127.0.0.1', port: p.port });
    expect((await r.agent!.status()).node.replicationAddress).toBeUndefined();
    expect(s.postgres.reachable).toBe(true);
    expect(s.postgres.stopped ?? null).toBeNull();
  });

  it('clean shutdown while a replica is frozen: the end of the shutdown checkpoint, exactly what the caught-up replica received', async () => {
    const ice = freezeProcess(auxiliaryPid(f, 'walreceiver'));
    try {
      const writerLsn = await write(200);
      await waitFor(() => replayed(r, writerLsn), 15_000, 'r caught up');
      await p.stopPg('fast');
      // r's WAL receiver loses its sender: after that, what it received is final
      await waitFor(async () => (await r.psql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_wal_receiver WHERE status = 'streaming'`))[0].n === 0, 20_000, 'r stopped streaming');
      const final = await provenFinal(p);
      expect(final.basis).toBe('clean-shutdown');
      expect(final.timeline).toBe(1);
      expect(final.lsn).toBe(await receiveLsn(r));
      const ahead = lsnDiff(final.lsn, writerLsn);
      expect(ahead).toBeGreaterThan(0); // the shutdown checkpoint record comes after the last commit
      expect(ahead).toBeLessThanOrEqual(8192);
      expect(final.proof).toContain(`clean shutdown at ${final.lsn}`);
      expect((await stoppedStatus(p)).postmasterRunning).toBe(false);
      // the frozen replica lacks WAL the stopped primary has
      expect(lsnDiff(writerLsn, await receiveLsn(f))).toBeGreaterThan(0);
    } finally {
      ice.thaw();
    }
    await p.startPg();
  });

  it('kill -9 of the postmaster while a replica is frozen: the end of valid WAL, the writer’s last position within 8 KiB', async () => {
    const before = await write(1);
    await waitFor(() => replayed(f, before), 30_000, 'f caught up again');
    const ice = freezeProcess(auxiliaryPid(f, 'walreceiver'));
    try {
      const writerLsn = await write(200);
      process.kill(postmasterPid(p), 'SIGKILL');
      // its backends notice the dead postmaster and exit; until then a final position is not proven
      await waitFor(async () => (await stoppedStatus(p)).postmasterRunning === false, 20_000, 'p and its processes gone');
      const final = await provenFinal(p);
      expect(final.basis).toBe('crash-wal-end');
      expect(final.timeline).toBe(1);
      const ahead = lsnDiff(final.lsn, writerLsn);
      expect(ahead).toBeGreaterThanOrEqual(0); // every commit the writer saw acknowledged is in pg_wal
      expect(ahead).toBeLessThanOrEqual(8192);
      expect(final.proof).toMatch(/^crash: valid WAL ends at /);
      // no replica holds more than the primary's disk; the frozen one holds less
      expect(lsnDiff(final.lsn, await receiveLsn(r))).toBeGreaterThanOrEqual(0);
      expect(lsnDiff(writerLsn, await receiveLsn(f))).toBeGreaterThan(0);
    } finally {
      ice.thaw();
    }
    await p.startPg(); // crash recovery, a primary again
    expect((await p.agent!.status()).postgres.role).toBe('primary');
  });

  it('postmaster frozen (pid alive): postmasterRunning true, no final position', async () => {
    const ice = freezeProcess(postmasterPid(p));
    try {
      const st = await stoppedStatus(p); // the connection times out: not reachable
      expect(st.postmasterRunning).toBe(true);
      expect(st.finalPosition).toBeNull();
      expect(st.error).toMatch(/postmaster pid \d+ is alive/);
    } finally {
      ice.thaw();
    }
    await waitFor(async () => (await p.agent!.status()).postgres.reachable, 15_000, 'p answers again');
  });
});

describe('POST /v1/upstream', () => {
  it('refuses a primary and bad bodies', async () => {
    const primary = await post(p, '/v1/upstream', { epoch: 1, host: '127.0.0.1', port: r.port, reason: 'salvage' });
    expect(primary.status).toBe(409);
    expect(ZAgentError.parse(primary.body).error.code).toBe('NOT_IN_RECOVERY');
    for (const body of [
      { epoch: 1, port: r.port, reason: 'x' },
      { epoch: 1, host: '127.0.0.1', port: 0, reason: 'x' },
      { epoch: 1, host: '127.0.0.1', port: '5432', reason: 'x' },
      { epoch: 0, host: '127.0.0.1', port: r.port, reason: 'x' },
      { epoch: 1, host: '127.0.0.1', port: r.port, reason: 'x', slot: 'f_slot' },
      { epoch: 1, host: '', port: r.port, reason: 'x' },
    ]) {
      const res = await post(f, '/v1/upstream', body);
      expect(res.status).toBe(422);
      expect(ZAgentError.parse(res.body).error.code).toBe('VALIDATION_FAILED');
    }
    expect((await f.agent!.status()).fencing.epoch).toBe(0); // refusals record nothing
  });

  it('points a replica at a more advanced one, keeping its options; idempotent; records the epoch', async () => {
    const [{ conninfo: before }] = await f.psql<{ conninfo: string }>(`SELECT current_setting('primary_conninfo') AS conninfo`);
    expect(before).toContain(`port=${p.port}`);
    const res = await post(f, '/v1/upstream', { epoch: 1, host: '127.0.0.1', port: r.port, reason: 'stream from r' });
    expect(res.status).toBe(200);
    const body = ZActionResult.parse(res.body);
    expect(body).toMatchObject({ ok: true, epoch: 1, alreadyDone: false });
    expect(body.replayLsn).toBeTruthy();
    await waitFor(async () => {
      const w = (await f.agent!.status()).postgres.walReceiver;
      return w?.status === 'streaming' && w.senderPort === r.port;
    }, 20_000, 'f streams from r');
    const [{ conninfo, slot }] = await f.psql<{ conninfo: string; slot: string }>(`SELECT current_setting('primary_conninfo') AS conninfo, current_setting('primary_slot_name') AS slot`);
    const options = (text: string) => parseConninfoPairs(text).filter((o) => o.key !== 'host' && o.key !== 'port');
    expect(options(conninfo)).toEqual(options(before)); // user, passfile, sslmode, … kept
    expect(options(conninfo)).toContainEqual({ key: 'user', value: 'postgres' });
    expect(upstreamOf(conninfo)).toEqual({ host: '127.0.0.1', port: r.port });
    expect(slot).toBe(''); // r has no slot f_slot
    const again = await post(f, '/v1/upstream', { epoch: 1, host: '127.0.0.1', port: r.port, reason: 'stream from r' });
    expect(again.body).toMatchObject({ ok: true, epoch: 1, alreadyDone: true });
    expect((await f.agent!.status()).fencing).toMatchObject({ epoch: 1, fenced: false });

    expect((await post(f, '/v1/upstream', { epoch: 2, host: '127.0.0.1', port: r.port, reason: 'newer' })).body).toMatchObject({ ok: true, epoch: 2, alreadyDone: true });
    const stale = await post(f, '/v1/upstream', { epoch: 1, host: '127.0.0.1', port: p.port, reason: 'old executor' });
    expect(stale.status).toBe(409);
    expect(ZAgentError.parse(stale.body).error.code).toBe('STALE_EPOCH');
    expect((await f.agent!.status()).postgres.walReceiver?.senderPort).toBe(r.port);
  });
});

describe('WAL salvage from the fenced old primary', () => {
  let final: TFinalPosition;
  let rFinal: TFinalPosition;
  let writerLsn: string;

  it('fence answers the final position; the WAL exists only on its disk', async () => {
    const ice = freezeProcess(auxiliaryPid(f, 'walreceiver'));
    try {
      writerLsn = await write(300);
      await waitFor(() => replayed(r, writerLsn), 15_000, 'r caught up');
      await r.stopPg('fast'); // the more advanced replica is gone: only p has this WAL
      // a standby shut down cleanly proves the end of the WAL it holds
      rFinal = await provenFinal(r);
      expect(rFinal.basis).toBe('clean-shutdown');
      expect(rFinal.proof).toContain('shut down in recovery');
      expect(lsnDiff(rFinal.lsn, writerLsn)).toBeGreaterThanOrEqual(0);
      const res = await p.agent!.fence(3, 'salvage drill');
      expect(res.status).toBe(200);
      const body = ZActionResult.parse(res.body);
      expect(body.finalPosition).toBeTruthy();
      final = body.finalPosition!;
      expect(final.basis).toBe('clean-shutdown');
      expect(lsnDiff(final.lsn, writerLsn)).toBeGreaterThan(0);
      expect(lsnDiff(final.lsn, writerLsn)).toBeLessThanOrEqual(8192);
      expect(body.detail).toContain(final.proof);
      expect((await stoppedStatus(p)).finalPosition).toEqual(final);
      expect(lsnDiff(final.lsn, rFinal.lsn)).toBeGreaterThanOrEqual(0); // the replica holds no more than the primary wrote
    } finally {
      ice.thaw();
    }
    expect(lsnDiff(final.lsn, await receiveLsn(f))).toBeGreaterThan(0);
  });

  it('POST /v1/standby refuses another epoch and an unfenced node', async () => {
    const cases = [
      [await post(p, '/v1/standby', { epoch: 2, reason: 'x' }), 'STALE_EPOCH'],
      [await post(p, '/v1/standby', { epoch: 4, reason: 'x' }), 'EPOCH_MISMATCH'],
      [await post(f, '/v1/standby', { epoch: 3, reason: 'x' }), 'NOT_FENCED'],
    ] as const;
    for (const [res, code] of cases) {
      expect(res.status).toBe(409);
      expect(ZAgentError.parse(res.body).error.code).toBe(code);
    }
    expect((await post(p, '/v1/standby', { epoch: 3 })).status).toBe(422);
    expect(await p.isRunning()).toBe(false);
  });

  it('starts the fenced node read-only with no upstream; it stays fenced', async () => {
    const res = await post(p, '/v1/standby', { epoch: 3, reason: 'serve WAL to f' });
    expect(res.status).toBe(200);
    const body = ZActionResult.parse(res.body);
    expect(body).toMatchObject({ ok: true, epoch: 3, alreadyDone: false });
    expect(fs.existsSync(path.join(p.dataDir, 'standby.signal'))).toBe(true);
    const [{ rec, conninfo, hot }] = await p.psql<{ rec: boolean; conninfo: string; hot: string }>(
      `SELECT pg_is_in_recovery() AS rec, current_setting('primary_conninfo') AS conninfo, current_setting('hot_standby') AS hot`,
    );
    expect([rec, conninfo, hot]).toEqual([true, '', 'on']);
    await expect(p.psql('INSERT INTO salvage_rows(payload) VALUES ($1)', ['after the fence'])).rejects.toThrow(/read-only/);
    // it replays its own pg_wal to the end: everything up to the final position
    await waitFor(() => replayed(p, final.lsn), 15_000, 'p replayed its pg_wal');
    const promote = await p.agent!.promote(3);
    expect(promote.status).toBe(409);
    expect(ZAgentError.parse(promote.body).error.code).toBe('FENCED');
    const s = await p.agent!.status();
    expect(s.fencing).toMatchObject({ epoch: 3, fenced: true });
    expect(s.fencing.inconsistency).toBeUndefined();
    expect(s.postgres.role).toBe('replica');
    const again = await post(p, '/v1/standby', { epoch: 3, reason: 'serve WAL to f' });
    expect(again.body).toMatchObject({ ok: true, epoch: 3, alreadyDone: true });
    // a fenced node takes no upstream
    const up = await post(p, '/v1/upstream', { epoch: 3, host: '127.0.0.1', port: f.port, reason: 'x' });
    expect(up.status).toBe(409);
    expect(ZAgentError.parse(up.body).error.code).toBe('FENCED');
  });

  it('a lagging replica pointed at it catches up to exactly the final position, with every committed row', async () => {
    const res = await post(f, '/v1/upstream', { epoch: 3, host: '127.0.0.1', port: p.port, reason: 'salvage from the old primary' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, epoch: 3, alreadyDone: false });
    await waitFor(async () => lsnDiff(await receiveLsn(f), final.lsn) >= 0, 30_000, 'f received up to the final position');
    expect(await receiveLsn(f)).toBe(final.lsn); // the standby serves exactly what its disk holds
    await waitFor(() => replayed(f, writerLsn), 15_000, 'f replayed the writer’s last commit');
    const [{ n }] = await f.psql<{ n: number }>('SELECT count(*)::int AS n FROM salvage_rows');
    expect(n).toBe(committed);
    // the old primary is still fenced and refuses writes
    await expect(p.psql('INSERT INTO salvage_rows(payload) VALUES ($1)', ['x'])).rejects.toThrow(/read-only/);
    expect((await p.agent!.status()).fencing.fenced).toBe(true);
  });

  it('the salvaged replica promoted onto timeline 2 and killed with -9: its final position is read on timeline 2', async () => {
    const promote = await f.agent!.promote(3);
    expect(promote.status).toBe(200);
    expect(promote.body).toMatchObject({ ok: true, timeline: 2 });
    const lsn = await write(50, f);
    process.kill(postmasterPid(f), 'SIGKILL');
    await waitFor(async () => (await stoppedStatus(f)).postmasterRunning === false, 20_000, 'f and its processes gone');
    const fFinal = await provenFinal(f);
    expect(fFinal).toMatchObject({ basis: 'crash-wal-end', timeline: 2 });
    expect(lsnDiff(fFinal.lsn, lsn)).toBeGreaterThanOrEqual(0);
    expect(lsnDiff(fFinal.lsn, lsn)).toBeLessThanOrEqual(8192);
  });
});

describe('WAL salvage after a crash of the old primary', () => {
  // its own cluster: c1 (primary), c2 (replica, frozen while c1 writes, then c1 is killed with -9)
  let crash: TPgCluster;
  let c1: TPgNode, c2: TPgNode;
  beforeAll(async () => {
    crash = await createPgCluster({ primary: { name: 'c1', site: 'oslo' }, replicas: [{ name: 'c2', site: 'bergen' }] });
    [c1, c2] = crash.nodes;
    await c1.psql('CREATE TABLE salvage_rows (id bigserial PRIMARY KEY, payload text)');
    await crash.waitForReplay();
  });
  afterAll(async () => {
    await crash?.cleanup();
  });

  it('fence of the killed primary proves the end of its WAL; started as a standby it serves it to the lagging replica', async () => {
    let rows = 0;
    let writerLsn: string;
    const ice = freezeProcess(auxiliaryPid(c2, 'walreceiver'));
    try {
      const c = new pg.Client({ connectionString: c1.pgUrl });
      await c.connect();
      try {
        for (let i = 0; i < 300; i++) {
          await c.query('INSERT INTO salvage_rows(payload) VALUES ($1)', ['y'.repeat(400)]);
          rows++;
        }
        writerLsn = (await c.query('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
      } finally {
        await c.end();
      }
      process.kill(postmasterPid(c1), 'SIGKILL');
      await waitFor(async () => (await stoppedStatus(c1)).postmasterRunning === false, 20_000, 'c1 and its processes gone');
      const res = await c1.agent!.fence(1, 'old primary crashed');
      expect(res.status).toBe(200);
      const final = ZActionResult.parse(res.body).finalPosition!;
      expect(final.basis).toBe('crash-wal-end');
      expect(lsnDiff(final.lsn, writerLsn)).toBeGreaterThanOrEqual(0);
      expect(lsnDiff(final.lsn, writerLsn)).toBeLessThanOrEqual(8192);
      expect(lsnDiff(final.lsn, await receiveLsn(c2))).toBeGreaterThan(0);

      const standby = await post(c1, '/v1/standby', { epoch: 1, reason: 'serve WAL to c2' });
      expect(standby.status).toBe(200);
      expect(standby.body).toMatchObject({ ok: true, epoch: 1, alreadyDone: false });
      await waitFor(() => replayed(c1, final.lsn), 15_000, 'c1 replayed its pg_wal after crash recovery');
      await expect(c1.psql('INSERT INTO salvage_rows(payload) VALUES ($1)', ['x'])).rejects.toThrow(/read-only/);
      expect(ZAgentError.parse((await c1.agent!.promote(1)).body).error.code).toBe('FENCED');
    } finally {
      ice.thaw();
    }
    const up = await post(c2, '/v1/upstream', { epoch: 1, host: '127.0.0.1', port: c1.port, reason: 'salvage' });
    expect(up.status).toBe(200);
    expect(ZActionResult.parse(up.body).ok).toBe(true);
    await waitFor(() => replayed(c2, writerLsn), 30_000, 'c2 replayed the writer’s last commit');
    const [{ n }] = await c2.psql<{ n: number }>('SELECT count(*)::int AS n FROM salvage_rows');
    expect(n).toBe(rows);
  });
});
