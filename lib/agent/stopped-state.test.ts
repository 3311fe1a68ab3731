import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readPostmasterRunning, readStoppedState } from './stopped-state.ts';
import type { TAgentContext } from './types.ts';

// The bounds and the cache of the final-position proof, with stand-in pg_controldata / pg_waldump
// scripts (the real tools on real clusters: salvage.int.test.ts). The stand-in pg_waldump counts its
// runs and can be made slow, like one reading a big pg_wal.

let base: string;
let ctx: Pick<TAgentContext, 'config' | 'caches'>;
const runs = () => (fs.existsSync(path.join(base, 'runs')) ? fs.readFileSync(path.join(base, 'runs'), 'utf8').length : 0);

function script(name: string, body: string) {
  const file = path.join(base, 'bin', name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'vakt-stopped-'));
  const dataDir = path.join(base, 'data');
  fs.mkdirSync(path.join(dataDir, 'global'), { recursive: true });
  fs.mkdirSync(path.join(dataDir, 'pg_wal'));
  fs.writeFileSync(path.join(dataDir, 'global', 'pg_control'), 'x');
  fs.writeFileSync(path.join(dataDir, 'pg_wal', '000000010000000000000004'), 'wal');
  fs.mkdirSync(path.join(base, 'bin'));
  script(
    'pg_controldata',
    `printf 'Database cluster state:               in production\\nLatest checkpoint location:           0/4028F38\\nLatest checkpoint'"'"'s TimeLineID:       1\\nBytes per WAL segment:                16777216\\n'`,
  );
  script(
    'pg_waldump',
    `case "$*" in
  *--quiet*) printf x >> ${base}/runs; [ -f ${base}/slow ] && sleep 3; echo 'pg_waldump: error: error in WAL record at 0/4032DE8: invalid record length at 0/4032E10: wanted 24, got 0' >&2; exit 1;;
  *) echo 'rmgr: Transaction len (rec/tot):     34/    34, tx:        825, lsn: 0/04032DE8, prev 0/04032C78, desc: COMMIT';;
esac`,
  );
  ctx = {
    caches: new Map(),
    config: { dataDir, pgBin: path.join(base, 'bin'), runAs: 'root' } as TAgentContext['config'],
  };
});
afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

describe('readStoppedState', () => {
  it('proves the end of valid WAL once per data-directory state', async () => {
    const first = await readStoppedState(ctx);
    expect(first).toEqual({
      postmasterRunning: false,
      finalPosition: { basis: 'crash-wal-end', lsn: '0/4032E10', timeline: 1, proof: 'crash: valid WAL ends at 0/4032E10 (pg_controldata: in production; pg_waldump from 0/4028F38, timeline 1)' },
    });
    expect(await readStoppedState(ctx)).toEqual(first);
    expect(runs()).toBe(1); // cached: nothing on disk changed
    fs.appendFileSync(path.join(ctx.config.dataDir, 'pg_wal', '000000010000000000000004'), 'more');
    expect(await readStoppedState(ctx)).toEqual(first);
    expect(runs()).toBe(2); // the WAL changed: proven again
  });

  it('a slow proof does not hold the status: it answers without one, computes once, and a later call gets it', async () => {
    fs.writeFileSync(path.join(base, 'slow'), '');
    const [a, b] = await Promise.all([readStoppedState(ctx, { waitMs: 100 }), readStoppedState(ctx, { waitMs: 100 })]);
    for (const s of [a, b]) expect(s).toEqual({ postmasterRunning: false, finalPosition: null, error: expect.stringContaining('being computed') });
    const waited = await readStoppedState(ctx, { waitMs: 10_000 }); // the fence waits for it
    expect(waited.finalPosition?.lsn).toBe('0/4032E10');
    expect(runs()).toBe(1);
  });

  it('a failing tool goes into error, never a throw', async () => {
    script('pg_controldata', `echo 'pg_controldata: fatal: could not open file' >&2; exit 1`);
    expect(await readStoppedState(ctx)).toEqual({ postmasterRunning: false, finalPosition: null, error: expect.stringMatching(/^pg_controldata exited 1: .*could not open file/) });
    fs.rmSync(path.join(ctx.config.dataDir, 'pg_wal'), { recursive: true });
    expect(await readStoppedState(ctx)).toMatchObject({ postmasterRunning: false, finalPosition: null, error: expect.stringContaining('data directory unreadable') });
  });

  it('no proof while a postmaster pid is alive', async () => {
    fs.writeFileSync(path.join(ctx.config.dataDir, 'postmaster.pid'), `${process.pid}\n${ctx.config.dataDir}\n`);
    expect(await readStoppedState(ctx)).toEqual({ postmasterRunning: true, finalPosition: null, error: `no final position: postmaster pid ${process.pid} is alive` });
    expect(runs()).toBe(0);
  });
});

describe('readPostmasterRunning', () => {
  it('reads postmaster.pid: missing, dead pid, no pid', async () => {
    const dir = ctx.config.dataDir;
    expect(await readPostmasterRunning(dir)).toEqual({ running: false, why: 'no postmaster.pid' });
    fs.writeFileSync(path.join(dir, 'postmaster.pid'), '99999999\n/x\n'); // above Linux's PID_MAX_LIMIT: never alive
    expect((await readPostmasterRunning(dir)).running).toBe(false);
    fs.writeFileSync(path.join(dir, 'postmaster.pid'), '\n');
    expect(await readPostmasterRunning(dir)).toEqual({ running: null, why: 'postmaster.pid has no pid' });
  });
});
