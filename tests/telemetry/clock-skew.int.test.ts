import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { systemActor } from '@/lib/auth/actor';
import { registerCluster } from '@/lib/registry/register-cluster';
import { getCluster } from '@/lib/registry/read-clusters';
import { loadSafetyInput } from '@/lib/safety/load-safety-input';
import { createPoller } from '@/lib/telemetry/poll-cycle';
import { createPgCluster, faketimeEnv, waitFor, type TPgCluster } from '../support/pg-cluster';
import { ensureSites, onlyDue } from '../support/cluster-setup';

// Clocks, with real processes (docs/safety.md "Clocks"): one agent runs 30 s ahead under libfaketime
// (no test-only code path), and a worker process runs an hour ahead. Vakt's database time stamps
// every observation; the agent's collectedAt only measures its skew.
let c: TPgCluster;
let worker: ChildProcess | null = null;
const dbNow = async () => (await db.$queryRawUnsafe<{ t: Date }[]>(`SELECT clock_timestamp() AS t`))[0].t;
const members = async () => Object.fromEntries((await getCluster('clock-main')).members.map((m) => [m.name, m]));
const observation = (name: string) => db.nodeObservation.findFirstOrThrow({ where: { member: { name, cluster: { name: 'clock-main' } } } });

beforeAll(async () => {
  c = await createPgCluster({ primary: { name: 'clk-1', site: 'oslo' }, replicas: [{ name: 'clk-2', site: 'oslo' }], agentFaketime: { 'clk-2': '+30s' } });
  await ensureSites('oslo');
  await registerCluster({
    actor: systemActor(),
    input: { name: 'clock-main', kind: 'vakt-agent', members: c.nodes.map((n) => ({ name: n.name, site: n.site, agentUrl: n.agentUrl!, agentToken: n.agentToken! })) },
  });
});
afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  await c?.cleanup();
});

describe('an agent whose clock is 30 s ahead (libfaketime)', () => {
  it('is stored unknown with CLOCK_SKEW and its skew; the agent in step is ok with a skew near 0; the engine sees both', async () => {
    await onlyDue('clock-main');
    const before = await dbNow();
    await createPoller({ workerId: 'w-clock', timeoutMs: 3000 }).runCycle();
    const after = await dbNow();
    const m = await members();
    expect(m['clk-1']).toMatchObject({ status: 'ok', role: 'primary' });
    expect(Math.abs(m['clk-1'].clockSkewMs!)).toBeLessThan(1000);
    expect(m['clk-2']).toMatchObject({ status: 'unknown', role: 'unknown', reachable: false });
    expect(m['clk-2'].error).toMatch(/^CLOCK_SKEW: agent clock is \d+ ms ahead of Vakt's database/);
    expect(m['clk-2'].clockSkewMs).toBeGreaterThan(29_000);
    expect(m['clk-2'].clockSkewMs).toBeLessThan(31_000);
    // stamped with the database's time, not the agent's
    for (const name of ['clk-1', 'clk-2']) {
      const o = await observation(name);
      expect(o.observedAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
      expect(o.observedAt.getTime()).toBeLessThanOrEqual(after.getTime());
    }
    // never ok: no last good observation, so nothing of its answer counts
    const skewed = await db.clusterMember.findFirstOrThrow({ where: { name: 'clk-2', cluster: { name: 'clock-main' } } });
    expect(await db.nodeLastGood.findUnique({ where: { memberId: skewed.id } })).toBeNull();
    const { input } = await loadSafetyInput({ name: 'clock-main' });
    const o2 = input.members.find((x) => x.name === 'clk-2')!;
    expect(o2.observation).toMatchObject({ status: 'unknown', role: 'unknown', fencing: null, receiveLsn: null, replayLsn: null });
    expect(o2.observation!.clockSkewMs).toBeGreaterThan(29_000);
    expect(o2.lastGood).toBeNull();
    expect(input.config?.maxClockSkewMs).toBe(2000);
    // the engine is judged at the database's now()
    expect(new Date(input.now).getTime()).toBeGreaterThanOrEqual(after.getTime());
  });
});

describe('a worker process whose clock is an hour ahead (libfaketime)', () => {
  it("stamps observations, samples and next due times with the database's time, and cannot freeze a row for a worker with a correct clock", async () => {
    await onlyDue('clock-main');
    const before = await dbNow();
    const require = createRequire(import.meta.url);
    const tsx = pathToFileURL(require.resolve('tsx')).href;
    const log = fs.openSync(path.join(os.tmpdir(), `vakt-fast-worker-${process.pid}.log`), 'a');
    worker = spawn(process.execPath, ['--import', tsx, path.resolve('scripts/worker.ts')], {
      env: { ...process.env, ...faketimeEnv('+1h'), VAKT_WORKER_ID: 'w-fast-clock', VAKT_POLL_INTERVAL_MS: '1000', VAKT_LOG_LEVEL: 'warn' },
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    try {
      await waitFor(async () => (await observation('clk-1')).observedAt > before, 30_000, 'the fast worker polled clk-1');
    } finally {
      const exited = new Promise<void>((r) => worker!.once('exit', () => r()));
      worker.kill('SIGTERM');
      await exited;
    }
    const after = await dbNow();
    const fast = await observation('clk-1');
    expect(fast.status).toBe('ok');
    expect(fast.observedAt.getTime()).toBeLessThanOrEqual(after.getTime()); // not an hour in the future
    expect(fast.lastOkAt!.getTime()).toBeLessThanOrEqual(after.getTime());
    const member = await db.clusterMember.findFirstOrThrow({ where: { name: 'clk-1', cluster: { name: 'clock-main' } } });
    const lastGood = await db.nodeLastGood.findUniqueOrThrow({ where: { memberId: member.id } });
    expect(lastGood.observedAt.getTime()).toBeLessThanOrEqual(after.getTime());
    expect(lastGood.primaryObservedAt!.getTime()).toBeLessThanOrEqual(after.getTime());
    const samples = await db.observationSample.findMany({ where: { memberId: member.id } });
    for (const s of samples) expect(s.at.getTime()).toBeLessThanOrEqual(after.getTime());
    // its next due time is about one interval after the database's now, not an hour later
    expect(member.nextPollAt.getTime()).toBeLessThan(after.getTime() + 60_000);

    // a worker with a correct clock polls next: its newer observation replaces the row
    await onlyDue('clock-main');
    await createPoller({ workerId: 'w-clock', timeoutMs: 3000 }).runCycle();
    const later = await observation('clk-1');
    expect(later.observedAt.getTime()).toBeGreaterThan(fast.observedAt.getTime());
  });
});
