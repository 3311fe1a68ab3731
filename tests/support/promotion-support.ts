// Shared setup for the promotion integration tests: real clusters from the harness, registered in
// Vakt, a real poller running, operators with passwords.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { db } from '@/lib/base/db';
import { sleep } from '@/lib/base/sleep';
import { cliActor, type TActor } from '@/lib/auth/actor';
import { hashPassword } from '@/lib/auth/password';
import { putDeclaration } from '@/lib/registry/put-declaration';
import { registerCluster } from '@/lib/registry/register-cluster';
import { createPoller } from '@/lib/telemetry/poll-cycle';
import { getClusterSafety } from '@/lib/promotion/get-cluster-safety';
import { runExecutorOnce } from '@/lib/promotion/execute-promotion';
import { getPromotion } from '@/lib/promotion/get-promotion';
import { createPgCluster, waitFor, type THarnessAgent, type TPgCluster } from './pg-cluster';
import { createPatroniCluster, patroniSql, startAgentsBeside, type TPatroniCluster } from './patroni';
import { declarationSpec } from './declaration-fixture';

export const PASSWORD = 'correct horse battery staple';

export async function makeOperator(label: string): Promise<TActor> {
  const email = `${label}-${randomBytes(3).toString('hex')}@example.test`;
  const u = await db.user.create({ data: { email, role: 'operator', passwordHash: await hashPassword(PASSWORD) } });
  return { type: 'user', id: u.id, label: email, role: 'operator', teams: [], hasPassword: true, authTime: Math.floor(Date.now() / 1000) };
}

export async function ensureSite(name: string) {
  await db.site.upsert({ where: { name }, create: { name }, update: {} });
}

export async function declareContext(slug: string, spec: Record<string, unknown> = {}) {
  await putDeclaration({
    actor: cliActor(),
    slug,
    input: {
      apiVersion: 'vakt/v1',
      kind: 'RecoveryDeclaration',
      context: slug,
      name: slug,
      team: 'platform-test',
      spec: {
        ...declarationSpec({
          rpoClass: 'RPO-4',
          crossSite: 'optional',
          replication: { local: 'async', crossSite: 'none' },
          acceptedCrossSiteDataLossSeconds: undefined,
          backup: { fullIntervalHours: 24, pitr: false, walArchiving: false, retentionDays: 7, drillCadenceDays: 7 },
          runbook: 'Promote the replica after fencing the primary.',
          storage: { durability: 'local-disk' },
        }),
        ...spec,
      },
    },
  });
}

export async function startRealCluster(name: string, replicas: number, context: string): Promise<TPgCluster> {
  await ensureSite('oslo');
  const pg = await createPgCluster({
    primary: { name: `${name}-a`, site: 'oslo' },
    replicas: Array.from({ length: replicas }, (_, i) => ({ name: `${name}-${String.fromCharCode(98 + i)}`, site: 'oslo' })),
    agents: 'in-process',
  });
  await registerCluster({
    actor: cliActor(),
    input: {
      name,
      kind: 'vakt-agent',
      contexts: [context],
      members: pg.nodes.map((n) => ({ name: n.name, site: n.site, agentUrl: n.agentUrl!, agentToken: n.agentToken! })),
    },
  });
  return pg;
}

/**
 * A promotion test file's lifecycle: declares `context` and runs the real poller before the file's tests;
 * after them stops the poller and cleans up every cluster pushed onto the returned `clusters`.
 */
export function promotionTestSuite(context: string, spec: Record<string, unknown> = {}): { clusters: TPgCluster[] } {
  const clusters: TPgCluster[] = [];
  let poller: { stop: () => Promise<void> } | undefined;
  beforeAll(async () => {
    await declareContext(context, spec);
    poller = runPoller();
  });
  afterAll(async () => {
    await poller?.stop();
    await Promise.all(clusters.map((c) => c.cleanup()));
  });
  return { clusters };
}

/** The real poller, polling every member about every 300 ms until stopped. */
export function runPoller(): { stop: () => Promise<void> } {
  const poller = createPoller({ workerId: `test-poller-${randomBytes(3).toString('hex')}`, intervalMs: 300, sampleEveryMs: 300 });
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      await poller.runCycle().catch(() => {});
      await sleep(150);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
    },
  };
}

export async function waitForVerdict(cluster: string, candidate: string, verdict: string, timeoutMs = 30_000, opts: { reason?: string } = {}) {
  let last = '';
  await waitFor(async () => {
    const s = await getClusterSafety(cluster);
    const c = s.candidates.find((x) => x.node === candidate);
    last = `${s.state} ${c?.verdict} ${c?.reasons.map((r) => r.code).join(',')}`;
    // with a reason: until the verdict carries it (the poller may not have seen every change yet)
    return c?.verdict === verdict && (!opts.reason || c.reasons.some((r) => r.code === opts.reason));
  }, timeoutMs, `${candidate} ${verdict}${opts.reason ? ` with ${opts.reason}` : ''} (last: ${() => last})`, 250).catch((e) => {
    throw new Error(`${(e as Error).message}; last seen: ${last}`);
  });
  return getClusterSafety(cluster);
}

/** Until Vakt has seen the cluster healthy (so it knows which node is the primary). */
export async function waitForHealthy(cluster: string, timeoutMs = 30_000) {
  await waitFor(async () => (await getClusterSafety(cluster)).state === 'HEALTHY', timeoutMs, `${cluster} HEALTHY`, 250);
}

/** One executor run on an approved promotion, expected to complete it (epoch 0 -> 1); returns the promotion's view. */
export async function executeToCompletion(executorId: string, id: string) {
  const out = await runExecutorOnce({ executorId });
  const view = await getPromotion(id);
  expect(out?.status, JSON.stringify(view.steps, null, 1)).toBe('COMPLETED');
  expect(view.status).toBe('COMPLETED');
  expect(view.epochBefore).toBe(0);
  expect(view.epochAfter).toBe(1);
  return view;
}

// An executor that dies right after the promote call returned (before recording it) holds a 1.5 s lease.
const CRASHED_LEASE_MS = 1500;

/** An executor dies right after the promote call returned, before recording it: the promotion stays EXECUTING. */
export async function crashAfterPromoteCall(id: string) {
  const crashed = await runExecutorOnce({ executorId: 'doomed', leaseMs: CRASHED_LEASE_MS, crashAfter: 'promote-call' });
  expect(crashed?.status).toBe('CRASHED');
  expect((await getPromotion(id)).status).toBe('EXECUTING');
}

/**
 * After crashAfterPromoteCall: while the lease holds nobody else picks the promotion up; once it expired,
 * the resumed execution completes it with one promote call (the second finds it already done).
 */
export async function resumeAfterLease(id: string) {
  expect(await runExecutorOnce({ executorId: 'early' })).toBeNull();
  await sleep(CRASHED_LEASE_MS + 200);
  const resumed = await runExecutorOnce({ executorId: 'survivor' });
  const view = await getPromotion(id);
  expect(resumed?.status, JSON.stringify(view.steps, null, 1)).toBe('COMPLETED');
  expect(view.epochAfter).toBe(1);
  expect(view.steps.some((s) => s.name === 'execution' && s.status === 'resumed')).toBe(true);
  expect(view.steps.find((s) => s.name === 'promote' && s.status === 'ok')?.detail).toMatch(/already done/);
  expect(view.steps.filter((s) => s.name === 'promote' && s.status === 'started')).toHaveLength(1);
}

/** Restarts a node's agent (same port and token) with extra settings, e.g. short stop timeouts. */
export async function restartAgentWith(node: TPgCluster['nodes'][number], settings: Record<string, string>) {
  await node.agent!.stop();
  Object.assign(node.agent!.env, settings);
  await node.agent!.start();
}

/** The nodes that accept writes right now (answer and are not in recovery); a node that does not answer accepts none. */
export async function writableNodes(pg: TPgCluster): Promise<string[]> {
  const out: string[] = [];
  for (const n of pg.nodes) {
    const r = await Promise.race([
      n.psql<{ rec: boolean }>('SELECT pg_is_in_recovery() AS rec').then((rows) => rows[0].rec === false, () => false),
      sleep(5_000).then(() => false),
    ]);
    if (r) out.push(n.name);
  }
  return out;
}

/**
 * A real Patroni cluster (2 nodes, tests/support/patroni.ts) registered in Vakt with an
 * operator-approved context, the poller running; `agentsBeside`: a Vakt agent beside each member,
 * registered as its fence agent. For a test file's beforeAll; `stop()` in its afterAll.
 */
export async function registeredPatroniCluster(name: string, opts: { agentsBeside?: boolean } = {}) {
  const t0 = Date.now();
  await ensureSite('oslo');
  const p = await createPatroniCluster({ nodes: 2, scope: `${name}-${Date.now().toString(36)}` });
  const agents = opts.agentsBeside ? await startAgentsBeside(p, 'oslo') : new Map<string, THarnessAgent>();
  await declareContext(`${name}-ctx`, { failover: 'operator-approved', approvalsRequired: 1 });
  await registerCluster({
    actor: cliActor(),
    input: {
      name,
      kind: 'patroni',
      contexts: [`${name}-ctx`],
      members: p.nodes.map((n) => {
        const a = agents.get(n.name);
        return { name: n.name, site: 'oslo', agentUrl: n.apiUrl, agentToken: p.credentials, ...(a ? { fenceAgent: { url: a.url, token: a.token } } : {}) };
      }),
    },
  });
  const poller = runPoller();
  console.log(`${name} setup: ${Date.now() - t0} ms`);
  return {
    p,
    agents,
    async stop() {
      await poller.stop();
      for (const a of agents.values()) await a.stop();
      await p.cleanup();
    },
  };
}

/**
 * Pauses the Patroni cluster, writes a table on the leader, then kills the leader's Patroni (SIGKILL):
 * its PostgreSQL keeps running as a writable primary. Returns the leader and the replica.
 */
export async function killPausedLeaderPatroni(p: TPatroniCluster) {
  await p.setPause(true);
  const leader = await p.leader();
  const replica = p.nodes.find((n) => n !== leader)!;
  await patroniSql(leader, 'CREATE TABLE t (id int)');
  await patroniSql(leader, 'INSERT INTO t SELECT generate_series(1, 10)');
  await p.killPatroni(leader, 'SIGKILL');
  expect((await patroniSql<{ r: boolean }>(leader, 'SELECT pg_is_in_recovery() AS r'))[0].r).toBe(false);
  return { leader, replica };
}
