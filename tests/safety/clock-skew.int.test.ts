// Class 3 of the promotion-safety issue on real processes (docs/safety.md "Clocks"): the clock of one
// process is shifted with libfaketime (apt package faketime), not with a test-only code path.
// - an AGENT whose clock runs 30 s ahead: Vakt measures its skew from collectedAt and shows the
//   member unknown with CLOCK_SKEW and clockSkewMs ≈ 30000; the engine blocks it as a candidate;
// - a WORKER process (scripts/worker.ts) whose clock runs 1 h ahead: what it stores is stamped with
//   Vakt's database time (fresh, not in the future), and a normal poll afterwards updates the row
//   (no "newer observation wins" freeze, no due time or lease an hour out).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { getCluster } from '@/lib/registry/read-clusters';
import { evaluateClusterNow } from '@/lib/safety/load-safety-input';
import { createPgCluster, faketimeEnv, waitFor, type TPgCluster } from '../support/pg-cluster';
import { ensureSite, runPoller } from '../support/promotion-support';
import { onlyDue } from '../support/cluster-setup';
import { candidateOf, dbNow, describeCandidate, pollOnly, registerHarnessCluster } from './safety-support';

const AGENT_CLUSTER = 'safety-clock-agent';
const WORKER_CLUSTER = 'safety-clock-worker';
const AGENT_OFFSET_MS = 30_000;
const clusters: TPgCluster[] = [];
let poller: { stop: () => Promise<void> } | null = null;
let worker: TWorkerProcess | null = null;

beforeAll(async () => {
  // fails here, naming the apt package, when libfaketime is missing; and the shift really applies to node
  const shifted = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(Date.now()))'], { env: { ...process.env, ...faketimeEnv('+1h') }, encoding: 'utf8' }));
  expect(Math.abs(shifted - Date.now() - 3_600_000)).toBeLessThan(5000);
  await ensureSite('oslo');
});
afterAll(async () => {
  await poller?.stop();
  if (worker && worker.child.exitCode === null) worker.child.kill('SIGKILL');
  await Promise.all(clusters.map((c) => c.cleanup()));
});

const memberView = async (cluster: string, name: string) => (await getCluster(cluster)).members.find((m) => m.name === name);

describe('an agent whose clock runs 30 s ahead (libfaketime)', () => {
  it('is unknown with CLOCK_SKEW, its clockSkewMs ≈ 30000 is shown, and the engine blocks it', async () => {
    const pg = await createPgCluster({
      primary: { name: 'ck-a', site: 'oslo' },
      replicas: [{ name: 'ck-b', site: 'oslo' }],
      agentFaketime: { 'ck-b': `+${AGENT_OFFSET_MS / 1000}s` },
    });
    clusters.push(pg);
    // the agent process really runs on the shifted clock
    const agentClock = Date.parse((await pg.node('ck-b').agent!.status()).collectedAt);
    expect(Math.abs(agentClock - Date.now() - AGENT_OFFSET_MS)).toBeLessThan(2000);

    await registerHarnessCluster(AGENT_CLUSTER, pg, []);
    poller = await pollOnly(AGENT_CLUSTER);
    let last = '';
    await waitFor(
      async () => {
        const [a, b] = [await memberView(AGENT_CLUSTER, 'ck-a'), await memberView(AGENT_CLUSTER, 'ck-b')];
        last = JSON.stringify({ a: a && [a.status, a.clockSkewMs], b: b && [b.status, b.error, b.clockSkewMs] });
        return a?.status === 'ok' && b?.status !== undefined && b.status !== 'never';
      },
      15_000,
      'both members polled',
    ).catch((e) => {
      throw new Error(`${(e as Error).message}; last: ${last}`);
    });
    // a few more cycles so the view is not the very first answer
    await new Promise((r) => setTimeout(r, 1000));
    await poller.stop();
    poller = null;

    const b = await memberView(AGENT_CLUSTER, 'ck-b');
    const a = await memberView(AGENT_CLUSTER, 'ck-a');
    const detail = JSON.stringify({ a, b });
    expect.soft(b?.status, detail).toBe('unknown');
    expect.soft(b?.error ?? '', detail).toMatch(/^CLOCK_SKEW/);
    expect.soft(b?.clockSkewMs ?? null, detail).not.toBeNull();
    expect.soft(Math.abs((b?.clockSkewMs ?? 0) - AGENT_OFFSET_MS), detail).toBeLessThan(1500);
    // the other member's agent runs on the real clock: measured, small, ok
    expect.soft(a?.status, detail).toBe('ok');
    expect.soft(a?.clockSkewMs ?? null, detail).not.toBeNull();
    expect.soft(Math.abs(a?.clockSkewMs ?? Infinity), detail).toBeLessThan(1000);
    // a skewed member's answer is not a good observation: no last-good record was written for it
    const member = await db.clusterMember.findFirstOrThrow({ where: { name: 'ck-b', cluster: { name: AGENT_CLUSTER } } });
    expect.soft(await db.nodeLastGood.findUnique({ where: { memberId: member.id } }), 'no NodeLastGood for a skewed member').toBeNull();

    // the engine: the skewed replica is blocked with CLOCK_SKEW
    const { report } = await evaluateClusterNow({ name: AGENT_CLUSTER });
    const cb = candidateOf(report, 'ck-b');
    expect.soft(cb?.verdict, describeCandidate(cb)).toBe('BLOCKED');
    expect.soft(cb?.reasons.map((r) => r.code) ?? [], describeCandidate(cb)).toContain('CLOCK_SKEW');
  });
});

type TWorkerProcess = { child: ChildProcess; output: () => string };

/** scripts/worker.ts as a child process (the same entry point as `npm run worker`), its clock shifted by libfaketime. */
function startWorkerProcess(id: string, offset: string): TWorkerProcess {
  const require = createRequire(import.meta.url);
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const root = path.resolve(import.meta.dirname, '../..');
  const env = { ...process.env, VAKT_WORKER_ID: id, VAKT_POLL_INTERVAL_MS: '1000', VAKT_LOG_LEVEL: 'info', ...faketimeEnv(offset) };
  const out: string[] = [];
  const child = spawn(process.execPath, ['--import', tsx, path.join(root, 'scripts/worker.ts')], { env, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (d: Buffer) => {
    out.push(d.toString());
    if (out.length > 200) out.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => out.join('').slice(-3000) };
}

async function stopWorkerProcess({ child }: TWorkerProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

describe('a worker process whose clock runs 1 h ahead (libfaketime)', () => {
  it('stores observations stamped with database time, and a normal poll afterwards updates them', async () => {
    const pg = await createPgCluster({ primary: { name: 'cw-a', site: 'oslo' } });
    clusters.push(pg);
    await registerHarnessCluster(WORKER_CLUSTER, pg, []);
    const member = await db.clusterMember.findFirstOrThrow({ where: { name: 'cw-a', cluster: { name: WORKER_CLUSTER } } });
    const row = async () => {
      const [r] = await db.$queryRawUnsafe<{ observedAt: Date | null; status: string | null; leaseOwner: string | null; leaseUntil: Date | null; nextPollAt: Date; now: Date }[]>(
        `SELECT o."observedAt", o.status, m."leaseOwner", m."leaseUntil", m."nextPollAt", now() AS now
           FROM "vakt"."ClusterMember" m LEFT JOIN "vakt"."NodeObservation" o ON o."memberId" = m.id WHERE m.id = $1`,
        member.id,
      );
      return r;
    };

    // the fast-clock worker is the only one polling
    await onlyDue(WORKER_CLUSTER);
    worker = startWorkerProcess('w-fast-clock', '+1h');
    const w = worker;
    await waitFor(
      async () => {
        if (w.child.exitCode !== null) throw new Error(`worker exited with ${w.child.exitCode}: ${w.output()}`);
        const r = await row();
        return r.status === 'ok' && r.leaseOwner === 'w-fast-clock';
      },
      30_000,
      'the fast-clock worker stored an observation',
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\n${w.output()}`);
    });
    // the worker process really runs on the shifted clock: libfaketime is loaded into it
    expect(fs.readFileSync(`/proc/${w.child.pid}/maps`, 'utf8')).toMatch(/libfaketime/);
    // let it poll a few more times (its interval is 1 s)
    await new Promise((r) => setTimeout(r, 2500));
    const byFast = await row();
    await stopWorkerProcess(w);
    worker = null;
    const detail = (r: typeof byFast) => JSON.stringify(r);

    // stamped with database time: fresh, not in the future
    expect.soft(byFast.observedAt!.getTime(), `observation by the fast worker ${detail(byFast)}`).toBeLessThanOrEqual(byFast.now.getTime() + 1000);
    expect.soft(byFast.observedAt!.getTime(), `observation by the fast worker ${detail(byFast)}`).toBeGreaterThan(byFast.now.getTime() - 10_000);
    // its history samples too (outage start and the flap guard are read from them)
    const [{ maxAt }] = await db.$queryRawUnsafe<{ maxAt: Date | null }[]>(`SELECT max("at") AS "maxAt" FROM "vakt"."ObservationSample" WHERE "memberId" = $1`, member.id);
    expect.soft(maxAt?.getTime() ?? 0, `newest sample ${maxAt?.toISOString()} vs database now ${byFast.now.toISOString()}`).toBeLessThanOrEqual(byFast.now.getTime() + 1000);
    // nothing it scheduled is an hour out: the next due time and the lease are database time + an interval
    expect.soft(byFast.nextPollAt.getTime(), `next due time ${detail(byFast)}`).toBeLessThanOrEqual(byFast.now.getTime() + 60_000);
    if (byFast.leaseUntil) expect.soft(byFast.leaseUntil.getTime(), `lease ${detail(byFast)}`).toBeLessThanOrEqual(byFast.now.getTime() + 60_000);

    // a normal poller (real clock) updates the same row: nothing froze it (no onlyDue here: the due time and lease are the fast worker's)
    poller = runPoller();
    const before = byFast.observedAt!.getTime();
    let seen = byFast;
    const updated = await waitFor(
      async () => {
        seen = await row();
        return seen.observedAt !== null && seen.observedAt.getTime() > before && seen.leaseOwner !== 'w-fast-clock';
      },
      10_000,
      'a normal poll updated the row',
    ).then(
      () => true,
      () => false,
    );
    await poller.stop();
    poller = null;
    expect.soft(updated, `after the fast worker: ${detail(byFast)}; 10 s of normal polling later: ${detail(seen)}`).toBe(true);
    expect.soft(seen.observedAt!.getTime(), detail(seen)).toBeLessThanOrEqual(seen.now.getTime() + 1000);
    expect.soft((await dbNow()).getTime() - seen.observedAt!.getTime(), detail(seen)).toBeLessThan(5000); // fresh
  });
});
