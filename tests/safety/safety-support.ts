// Shared setup of the real-process safety tests (tests/safety/*.int.test.ts): short engine timings,
// a harness cluster registered in Vakt, WAL positions read from the live nodes, and a watch that
// records every safety report while a scenario plays out (so "never SAFE" is checked at every step,
// not only at the end).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { db } from '@/lib/base/db';
import { resetEnv } from '@/lib/base/env';
import { cliActor } from '@/lib/auth/actor';
import { sleep } from '@/lib/base/sleep';
import { registerCluster } from '@/lib/registry/register-cluster';
import { evaluateClusterNow } from '@/lib/safety/load-safety-input';
import type { TCandidateVerdict, TSafetyReport } from '@/lib/safety/engine';
import { auxiliaryPid, createPgCluster, waitFor, freezeProcess, postmasterPid, type TPgCluster, type TPgClusterOptions, type TPgNode } from '../support/pg-cluster';
import { declareContext, ensureSite, runPoller } from '../support/promotion-support';
import { onlyDue } from '../support/cluster-setup';

/** Engine timings small enough for a scenario to reach SAFE within seconds (read lazily by env()). */
export const FAST_SAFETY_ENV: Record<string, string> = { VAKT_PRIMARY_DOWN_FOR_SECONDS: '2', VAKT_STALE_AFTER_MS: '5000' };

/** Sets environment variables for this file (and resets env()); returns the restore function. */
export function overrideEnv(overrides: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(overrides).map((k) => [k, process.env[k]]));
  Object.assign(process.env, overrides);
  resetEnv();
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetEnv();
  };
}

/** A lenient same-site automatic context: nothing but the facts of the scenario stands between a candidate and SAFE. */
export const LENIENT_AUTOMATIC = {
  rpoClass: 'RPO-3', // ≤ 15 min
  crossSite: 'not-assumed',
  replication: { local: 'sync', crossSite: 'none' },
  approvalsRequired: 1,
  failover: 'automatic',
};

/** Registers a harness cluster (its agents) in Vakt under `name`, holding `contexts`. */
export async function registerHarnessCluster(name: string, pg: TPgCluster, contexts: string[]): Promise<void> {
  await registerCluster({
    actor: cliActor(),
    input: { name, kind: 'vakt-agent', contexts, members: pg.nodes.map((n) => ({ name: n.name, site: n.site, agentUrl: n.agentUrl!, agentToken: n.agentToken! })) },
  });
}

/** Only this cluster's members are due; then the real poller runs (about every 300 ms) until stopped. */
export async function pollOnly(cluster: string): Promise<{ stop: () => Promise<void> }> {
  await onlyDue(cluster);
  return runPoller();
}


export type TSafetyCluster = {
  /** the harness cluster (set in beforeAll) */
  readonly pg: TPgCluster;
  /** start the real poller on this cluster only */
  poll(): Promise<void>;
  /** stop it (Vakt keeps what it stored: the last good observations stay as they were) */
  stopPolling(): Promise<void>;
};

/**
 * One harness cluster for a test file: beforeAll sets the fast engine timings, declares `context`
 * with `contextSpec`, starts the cluster (site oslo) and registers it as `cluster`; afterAll stops the
 * poller, removes the cluster and restores the environment.
 */
export function safetyCluster(o: { cluster: string; context: string; contextSpec: Record<string, unknown>; pg: TPgClusterOptions }): TSafetyCluster {
  let pg: TPgCluster | null = null;
  let poller: { stop: () => Promise<void> } | null = null;
  let restoreEnv: () => void = () => {};
  beforeAll(async () => {
    restoreEnv = overrideEnv(FAST_SAFETY_ENV);
    await ensureSite('oslo');
    await declareContext(o.context, o.contextSpec);
    pg = await createPgCluster(o.pg);
    await registerHarnessCluster(o.cluster, pg, [o.context]);
  });
  afterAll(async () => {
    await poller?.stop();
    await pg?.cleanup();
    restoreEnv();
  });
  return {
    get pg() {
      if (!pg) throw new Error('safetyCluster: the cluster is not started (beforeAll)');
      return pg;
    },
    async poll() {
      if (!poller) poller = await pollOnly(o.cluster);
    },
    async stopPolling() {
      const p = poller;
      poller = null;
      await p?.stop();
    },
  };
}

/**
 * A standby's WAL position once it has replayed everything it received: the greater of received and
 * replayed (received alone when replay lags; replayed alone on a standby without a WAL receiver,
 * e.g. an old primary restarted with standby.signal). The position a promotion of it starts from.
 */
export async function settledPosition(node: TPgNode, timeoutMs = 5000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [r] = await node.psql<{ pos: string | null; settled: boolean }>(
      `SELECT greatest(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::text AS pos,
              pg_last_wal_receive_lsn() IS NULL OR pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn() AS settled`,
    );
    if (r.pos && (r.settled || Date.now() > deadline)) return r.pos; // a torn last record is never replayed: received counts
    if (Date.now() > deadline) throw new Error(`${node.name}: no WAL position`);
    await sleep(100);
  }
}

/** pg_wal_lsn_diff(a, b) in bytes, computed by a live PostgreSQL node. */
export async function lsnDiff(on: TPgNode, a: string, b: string): Promise<number> {
  const [{ d }] = await on.psql<{ d: string }>(`SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::text AS d`, [a, b]);
  return Number(d);
}

/** Puts standby.signal into a stopped node's data directory, as a fence does (owned like the data dir). */
export function writeStandbySignal(node: TPgNode): void {
  const f = path.join(node.dataDir, 'standby.signal');
  fs.writeFileSync(f, '');
  const st = fs.statSync(node.dataDir);
  fs.chownSync(f, st.uid, st.gid);
}

export const candidateOf = (r: TSafetyReport, node: string): TCandidateVerdict | undefined => r.candidates.find((c) => c.node === node);
export const describeCandidate = (c: TCandidateVerdict | undefined) =>
  c ? `${c.node} ${c.verdict} [${c.reasons.map((x) => x.code).join(',')}] bytes=${c.dataLoss.bytes} worst=${c.dataLoss.worstCaseSeconds} covered=${c.dataLoss.windowCoveredBySync}` : 'absent';

/**
 * Evaluates the cluster (the loader + engine the API and executor use) every `everyMs` and keeps
 * every report: for at least `minMs`, then until `until(report)` holds, at most `maxMs`. Returns the
 * reports and whether `until` was reached.
 */
export async function watchSafety(
  cluster: string,
  o: { minMs: number; maxMs: number; until?: (r: TSafetyReport) => boolean; everyMs?: number },
): Promise<{ reports: TSafetyReport[]; reached: boolean; last: TSafetyReport }> {
  const reports: TSafetyReport[] = [];
  const t0 = Date.now();
  let reached = !o.until;
  for (;;) {
    const { report } = await evaluateClusterNow({ name: cluster });
    reports.push(report);
    if (o.until && !reached && o.until(report)) reached = true;
    const elapsed = Date.now() - t0;
    if ((reached && elapsed >= o.minMs) || elapsed >= o.maxMs) break;
    await sleep(o.everyMs ?? 250);
  }
  return { reports, reached, last: reports[reports.length - 1] };
}

/** No report in `reports` has `node` SAFE (the failure names the first report that did, with its reasons). */
export function expectNeverSafe(reports: TSafetyReport[], node: string): void {
  const bad = reports.find((r) => candidateOf(r, node)?.verdict === 'SAFE');
  expect.soft(bad ? `${bad.evaluatedAt}: ${describeCandidate(candidateOf(bad, node))}` : null, `${node} must never be SAFE`).toBeNull();
}

/** The old primary is never offered: absent from the candidates, or BLOCKED in every report. */
export function expectNeverCandidate(reports: TSafetyReport[], node: string): void {
  const bad = reports.find((r) => {
    const c = candidateOf(r, node);
    return c !== undefined && c.verdict !== 'BLOCKED';
  });
  expect.soft(bad ? `${bad.evaluatedAt}: ${describeCandidate(candidateOf(bad, node))}` : null, `${node} must never be a candidate`).toBeNull();
}

/** Vakt's database clock (the one every decision must use). */
export async function dbNow(): Promise<Date> {
  const [{ now }] = await db.$queryRawUnsafe<{ now: Date }[]>(`SELECT now() AS now`);
  return now;
}

/**
 * The primary dies and nothing can prove where its WAL ends: its postmaster is killed (SIGKILL) while
 * one of its processes (the checkpointer, frozen with SIGSTOP) still holds its shared memory, so its
 * agent answers but reports a postmaster that may still run and no final position. The unknown
 * window stays open: the case sync coverage is for. (With a proof the loss is exact instead:
 * tests/promotion/exact-loss.int.test.ts.) Cluster cleanup thaws the checkpointer.
 */
export async function killPrimaryWithoutProof(node: TPgNode): Promise<void> {
  freezeProcess(auxiliaryPid(node, 'checkpointer'));
  process.kill(postmasterPid(node), 'SIGKILL');
  await waitFor(async () => !(await node.psql('SELECT 1').then(() => true, () => false)), 10_000, `${node.name} no longer answers`);
}

