import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { db } from '@/lib/base/db';
import { sleep } from '@/lib/base/sleep';
import { systemActor } from '@/lib/auth/actor';
import { registerCluster } from '@/lib/registry/register-cluster';
import { startFakeFleet, type TFakeFleet } from '@/tests/support/fake-agent';
import { ensureSites, onlyDue } from '@/tests/support/cluster-setup';
import { pollerLoop } from './poller-loop';
import { startWorker } from './index';

const admin = systemActor('test-admin');
let fleet: TFakeFleet;
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}
const nodes = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i}`, site: 'oslo', role: (i % 3 === 0 ? 'primary' : 'replica') as 'primary' | 'replica' }));

beforeAll(async () => {
  await ensureSites('oslo');
  fleet = await startFakeFleet([...nodes('s', 30), ...nodes('k', 10), ...nodes('d', 6)]);
  for (const [cluster, prefix, n] of [['split', 's', 30], ['kill', 'k', 10], ['dbdown', 'd', 6]] as const) {
    for (let c = 0; c < n / 3; c++) {
      await registerCluster({
        actor: admin,
        input: { name: `${cluster}-${c}`, members: [0, 1, 2].map((j) => ({ name: `${prefix}${c * 3 + j}`, site: 'oslo', agentUrl: fleet.url(`${prefix}${c * 3 + j}`), agentToken: fleet.token })) },
      }).catch(async (e) => {
        if (n % 3 !== 0) return;
        throw e;
      });
    }
  }
});
afterAll(async () => {
  await fleet?.close();
});

async function clusterMemberIds(prefix: string) {
  const rows = await db.clusterMember.findMany({ where: { cluster: { name: { startsWith: `${prefix}-` } } }, select: { id: true, name: true } });
  return new Map(rows.map((r) => [r.id, r.name]));
}
describe('two workers', () => {
  it('split the nodes and never poll one node twice in a cycle', async () => {
    const ids = await clusterMemberIds('split');
    expect(ids.size).toBe(30);
    await onlyDue({ like: 'split-%' });
    const polls: { worker: string; id: string; at: number; due: number }[] = [];
    const loop = pollerLoop({ intervalMs: 1000, timeoutMs: 1000, concurrency: 8, batchSize: 5, onStored: (i) => i.memberIds.forEach((id, k) => polls.push({ worker: i.workerId, id, at: i.observedAt[k].getTime(), due: i.dueAt[k].getTime() })) });
    const a = startWorker({ id: 'w-a', loops: [loop] });
    const b = startWorker({ id: 'w-b', loops: [loop] });
    await sleep(4500);
    await Promise.all([a.stop(), b.stop()]);
    const mine = polls.filter((p) => ids.has(p.id));
    const byWorker = (w: string) => new Set(mine.filter((p) => p.worker === w).map((p) => p.id));
    expect(byWorker('w-a').size).toBeGreaterThan(0);
    expect(byWorker('w-b').size).toBeGreaterThan(0);
    for (const id of ids.keys()) {
      const times = mine.filter((p) => p.id === id).sort((x, y) => x.at - y.at);
      expect(times.length, `polls of ${ids.get(id)}`).toBeGreaterThanOrEqual(3);
      // every poll of a node, whichever worker made it, serves its own cycle: the due slots it was
      // claimed for advance by at least one interval (1 s), and no two polls happen back to back
      for (let i = 1; i < times.length; i++) {
        expect(times[i].due - times[i - 1].due, `due slots of ${ids.get(id)}`).toBeGreaterThanOrEqual(1000);
        expect(times[i].at - times[i - 1].at, `gap for ${ids.get(id)}`).toBeGreaterThan(100);
      }
    }
    // first cycle (all 30 due at once): the two workers' node sets are disjoint and cover every node
    const first = new Map<string, string>();
    for (const p of [...mine].sort((x, y) => x.at - y.at)) if (!first.has(p.id)) first.set(p.id, p.worker);
    const firstA = [...first].filter(([, w]) => w === 'w-a').map(([id]) => id);
    const firstB = [...first].filter(([, w]) => w === 'w-b').map(([id]) => id);
    expect(firstA.filter((id) => firstB.includes(id))).toEqual([]);
    expect(firstA.length + firstB.length).toBe(30);
    expect(firstA.length).toBeGreaterThan(0);
    expect(firstB.length).toBeGreaterThan(0);
    expect(await db.worker.count({ where: { id: { in: ['w-a', 'w-b'] } } })).toBe(0);
  });

  it('a killed worker (SIGKILL, leases held) is taken over within one lease period', async () => {
    const ids = await clusterMemberIds('kill');
    const hanging = ['k1', 'k4', 'k7'];
    for (const n of hanging) fleet.set(n, { behaviour: 'hang' });
    await onlyDue({ like: 'kill-%' });
    const leaseMs = 3000;
    // `node --import tsx`: one process (the tsx CLI would put a second one under it, which SIGKILL would orphan)
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.resolve('scripts/worker.ts')], {
      env: { ...process.env, VAKT_WORKER_ID: 'w-child', VAKT_POLL_INTERVAL_MS: '500', VAKT_LEASE_MS: String(leaseMs), VAKT_POLL_TIMEOUT_MS: '30000', VAKT_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    try {
      await waitFor(
        'the child worker to hold leases on the hanging nodes and to have polled the others',
        async () => {
          const held = await db.clusterMember.count({ where: { name: { in: hanging }, leaseOwner: 'w-child', leaseUntil: { gt: new Date() } } });
          const seen = await db.nodeObservation.count({ where: { memberId: { in: [...ids.keys()] } } });
          return held === hanging.length && seen >= ids.size - hanging.length;
        },
        30_000,
      );
    } catch (e) {
      child.kill('SIGKILL');
      throw new Error(`${(e as Error).message}\nchild output:\n${out}`);
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const killedAt = Date.now();
    expect(() => process.kill(child.pid!, 0)).toThrow(); // really gone
    // this cluster's hanging members only (other test files may use the same member names)
    const leases = await db.clusterMember.findMany({ where: { id: { in: [...ids.keys()] }, name: { in: hanging } }, select: { id: true, leaseUntil: true } });
    expect(leases.length).toBe(hanging.length);
    expect(await db.worker.count({ where: { id: 'w-child' } })).toBe(1); // it did not get to clean up
    for (const n of hanging) fleet.set(n, { behaviour: 'ok' });

    const polls: { id: string; at: number }[] = [];
    const w = startWorker({ id: 'w-taker', loops: [pollerLoop({ intervalMs: 500, timeoutMs: 1000, leaseMs, onStored: (i) => i.memberIds.forEach((id) => polls.push({ id, at: Date.now() })) })] });
    try {
      await waitFor('the surviving worker to poll every node of the dead one', async () => [...ids.keys()].every((id) => polls.some((p) => p.id === id)), leaseMs + 5000);
    } finally {
      await w.stop();
    }
    for (const l of leases) {
      const first = Math.min(...polls.filter((p) => p.id === l.id).map((p) => p.at));
      // not before the dead worker's lease lapsed, and within one lease period of the kill (+ one poll)
      expect(first).toBeGreaterThanOrEqual(l.leaseUntil!.getTime() - 50);
      expect(first - killedAt).toBeLessThanOrEqual(leaseMs + 1500);
    }
    const hung = await db.nodeObservation.findMany({ where: { memberId: { in: [...ids.keys()] }, member: { name: { in: hanging } } } });
    expect(hung.every((o) => o.status === 'ok')).toBe(true);
  });
});

describe('database unavailability', () => {
  it('the worker survives terminated connections and a refused database, then resumes', async () => {
    const dbUrl = process.env.DATABASE_URL!;
    const dbName = new URL(dbUrl).pathname.slice(1);
    const ids = await clusterMemberIds('dbdown');
    await onlyDue({ like: 'dbdown-%' });
    const w = startWorker({ id: 'w-db', backoffMs: [100, 1000], heartbeatMs: 500, loops: [pollerLoop({ intervalMs: 500, timeoutMs: 1000 })] });
    const adminPg = new pg.Client({ connectionString: inject('adminUrl') });
    await adminPg.connect();
    try {
      await waitFor('first polls', async () => (await db.nodeObservation.count({ where: { memberId: { in: [...ids.keys()] } } })) === ids.size, 10_000);
      // 1) connections terminated under it, repeatedly
      for (let i = 0; i < 3; i++) {
        await adminPg.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [dbName]);
        await sleep(400);
      }
      // 2) the database refuses every connection for a while
      await adminPg.query(`ALTER DATABASE "${dbName}" WITH ALLOW_CONNECTIONS false`);
      await adminPg.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [dbName]);
      await sleep(2500);
      await adminPg.query(`ALTER DATABASE "${dbName}" WITH ALLOW_CONNECTIONS true`);
      const back = new Date();
      await waitFor(
        'polls stored again after the outage',
        async () => (await db.nodeObservation.count({ where: { memberId: { in: [...ids.keys()] }, observedAt: { gt: back } } })) === ids.size,
        15_000,
      );
      await waitFor('heartbeat again', async () => ((await db.worker.findUnique({ where: { id: 'w-db' } }))?.heartbeatAt ?? new Date(0)) > back, 10_000);
    } finally {
      await adminPg.query(`ALTER DATABASE "${dbName}" WITH ALLOW_CONNECTIONS true`).catch(() => undefined);
      await adminPg.end();
      await w.stop();
    }
  });
});
