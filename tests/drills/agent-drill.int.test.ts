import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgCluster, waitFor, type TPgCluster, type THarnessAgent } from '@/tests/support/pg-cluster';
import { ZDrillState, type TDrillState } from '@/lib/agent/protocol';
import { waitForDrill, writeRowsAroundTarget } from './drill-support';

// The agent's restore drills against a real pgBackRest repository (stanza + full backup made by the
// harness) and real PostgreSQL: POST/GET/DELETE /v1/drills on a replica's agent.

const root = path.resolve(import.meta.dirname, '../..');
let cluster: TPgCluster;
let drillDir: string;
let agent: THarnessAgent;

beforeAll(async () => {
  drillDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vakt-drilltest-'));
  fs.chmodSync(drillDir, 0o755);
  cluster = await createPgCluster({
    primary: { name: 'p1', site: 'oslo' },
    replicas: [{ name: 'r1', site: 'oslo' }],
    archive: 'pgbackrest',
    agentEnv: { r1: { VAKT_AGENT_DRILL_DIR: drillDir } },
  });
  agent = cluster.node('r1').agent!;
});
afterAll(async () => {
  await cluster?.cleanup();
  fs.rmSync(drillDir, { recursive: true, force: true });
});

const scratchOf = (id: string) => path.join(drillDir, `vakt-drill-${id}`);

describe('restore drills on the agent', () => {
  it('restores the newest backup into a scratch instance, checks it, measures it and removes it', async () => {
    const [{ sysid }] = await cluster.primary.psql<{ sysid: string }>(`SELECT system_identifier::text AS sysid FROM pg_control_system()`);
    const r = await agent.request('/v1/drills', { body: { drillId: 'd-latest', expectDatabases: ['postgres'], systemIdentifier: sysid, epoch: 0 } });
    expect(r.status).toBe(202);
    expect(ZDrillState.parse(r.body)).toMatchObject({ drillId: 'd-latest', status: 'running' });
    const s = await waitForDrill(agent, 'd-latest');
    expect(s.error).toBeNull();
    expect(s.status).toBe('succeeded');
    const label = (cluster.pgbackrest!.info() as Promise<{ backup: { label: string }[] }[]>).then((i) => i[0].backup.at(-1)!.label);
    expect(s.backup).toMatchObject({ label: await label, type: 'full', chain: [await label] });
    expect(s.backup!.sizeBytes).toBeGreaterThan(1_000_000);
    expect(s.restoreSeconds).toBeGreaterThan(0);
    expect(s.steps.map((x) => x.name)).toEqual(['resolve backup', 'free space', 'prepare scratch directory', 'pgbackrest restore', 'configure scratch instance', 'start', 'recovery', 'checks', 'teardown']);
    for (const st of s.steps) {
      expect(st.status, `${st.name}: ${st.output}`).toBe('ok');
      expect(st.durationMs).toBeGreaterThanOrEqual(0);
    }
    const checks = Object.fromEntries(s.checks.map((c) => [c.name, c]));
    expect(checks['system identifier']).toMatchObject({ ok: true });
    expect(checks['system identifier'].detail).toContain(sysid);
    expect(checks.databases.detail).toContain('postgres');
    expect(checks['sample query: postgres'].ok).toBe(true);
    expect(checks.amcheck).toMatchObject({ ok: true });
    expect(checks.amcheck.detail).toMatch(/postgres: \d+ btree indexes ok/);
    // nothing left behind: no scratch directory, no marker, no instance
    expect(fs.existsSync(scratchOf('d-latest'))).toBe(false);
    expect(fs.existsSync(path.join(agent.stateDir, 'drill-active.json'))).toBe(false);
    // never archived into the real repository: the scratch instance ran with archive_mode off
    expect(s.steps.find((x) => x.name === 'configure scratch instance')!.output).toContain('archive_mode off');
  });

  it('fails a drill whose expected database is missing, naming it', async () => {
    expect((await agent.request('/v1/drills', { body: { drillId: 'd-missing-db', expectDatabases: ['postgres', 'nosuchdb'] } })).status).toBe(202);
    const s = await waitForDrill(agent, 'd-missing-db');
    expect(s.status).toBe('failed');
    expect(s.checks.find((c) => c.name === 'databases')).toMatchObject({ ok: false, detail: expect.stringContaining('missing: nosuchdb') });
    expect(s.steps.at(-1)).toMatchObject({ name: 'teardown', status: 'ok' });
    expect(fs.existsSync(scratchOf('d-missing-db'))).toBe(false);
  });

  it('runs one drill at a time (409 DRILL_RUNNING), and DELETE aborts and tears down', async () => {
    expect((await agent.request('/v1/drills', { body: { drillId: 'd-abort' } })).status).toBe(202);
    const second = await agent.request('/v1/drills', { body: { drillId: 'd-second' } });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('DRILL_RUNNING');
    // the same id again is the same drill (a retried start changes nothing)
    expect((await agent.request('/v1/drills', { body: { drillId: 'd-abort' } })).status).toBe(202);
    await waitFor(async () => (await agent.request<TDrillState>('/v1/drills/d-abort')).body.steps.some((x) => x.name === 'pgbackrest restore'), 30_000, 'restore started');
    const del = await agent.request<TDrillState>('/v1/drills/d-abort', { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(del.body.status).toBe('aborted');
    expect(del.body.error).toMatch(/aborted by DELETE/);
    expect(del.body.steps.at(-1)).toMatchObject({ name: 'teardown', status: 'ok' });
    expect(fs.existsSync(scratchOf('d-abort'))).toBe(false);
    expect((await agent.request('/v1/drills/nope')).status).toBe(404);
    expect((await agent.request('/v1/drills/d-abort', { token: 'wrong-token-wrong-token' })).status).toBe(401);
    expect((await agent.request('/v1/drills', { body: { drillId: 'x', backup: 'latest' } })).body.error.code).toBe('VALIDATION_FAILED');
  });

  it('restores to a point in time: the commit after the target is not replayed', async () => {
    const { target, afterXid } = await writeRowsAroundTarget(cluster.primary);
    expect((await agent.request('/v1/drills', { body: { drillId: 'd-pitr', targetTime: target } })).status).toBe(202);
    const s = await waitForDrill(agent, 'd-pitr');
    expect(s.error).toBeNull();
    expect(s.status).toBe('succeeded');
    expect(s.targetTime).toBe(target);
    const t = s.checks.find((c) => c.name === 'target time')!;
    expect(t.ok).toBe(true);
    // PostgreSQL's own account: recovery stopped before the commit of the row written after the target
    expect(t.detail).toContain(`stopped before the commit of transaction ${afterXid}`);
  });

  it('removes the scratch instance of a drill whose agent was killed, at its next start', async () => {
    const require = createRequire(import.meta.url);
    const tsx = pathToFileURL(require.resolve('tsx')).href;
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vakt-drillstate-'));
    const port = 20000 + Math.floor(Math.random() * 20000);
    const env = { ...process.env, ...agent.env, VAKT_AGENT_LISTEN: `127.0.0.1:${port}`, VAKT_AGENT_STATE_DIR: stateDir, VAKT_AGENT_LOG_LEVEL: 'silent' };
    const start = async () => {
      const ch = spawn(process.execPath, ['--import', tsx, path.join(root, 'lib/agent/main.ts')], { env, stdio: 'ignore', cwd: root });
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/v1/status`, { headers: { authorization: `Bearer ${agent.token}` } }).catch(() => null))?.status === 200, 30_000, 'child agent ready');
      return ch;
    };
    const call = async (p: string, init: RequestInit = {}) => {
      const r = await fetch(`http://127.0.0.1:${port}${p}`, { ...init, headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' } });
      return { status: r.status, body: await r.json() };
    };
    let ch: ChildProcess | null = await start();
    try {
      expect((await call('/v1/drills', { method: 'POST', body: JSON.stringify({ drillId: 'd-crash' }) })).status).toBe(202);
      const pidFile = path.join(scratchOf('d-crash'), 'data', 'postmaster.pid');
      await waitFor(async () => fs.existsSync(pidFile), 60_000, 'the scratch instance started');
      const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
      ch.kill('SIGKILL');
      await new Promise((r) => ch!.once('exit', r));
      ch = null;
      expect(isAlive(pid)).toBe(true); // the crash left a running scratch postmaster behind
      expect(fs.existsSync(path.join(stateDir, 'drill-active.json'))).toBe(true);
      ch = await start();
      expect(isAlive(pid)).toBe(false);
      expect(fs.existsSync(scratchOf('d-crash'))).toBe(false);
      expect(fs.existsSync(path.join(stateDir, 'drill-active.json'))).toBe(false);
      const s = await call('/v1/drills/d-crash');
      expect(s.body).toMatchObject({ status: 'failed', error: expect.stringMatching(/^interrupted/) });
    } finally {
      ch?.kill('SIGKILL');
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}
