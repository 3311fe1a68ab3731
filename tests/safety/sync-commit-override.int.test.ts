// Class 6 of the promotion-safety issue on real processes (docs/safety.md "The data-loss estimate",
// docs/agent-protocol.md "synchronous_commit"): a primary with one synchronous standby and a zero-loss
// (RPO-0) automatic context. Only synchronous replication can make a candidate SAFE there, so:
// - control: without overrides, once the primary dies the sync standby's window is covered: SAFE;
// - `ALTER ROLE app SET synchronous_commit = local`: the agent reports the override (its own session
//   never sees it), and once the primary dies the same standby's window is NOT covered by sync: the
//   worst case includes the unknown window and it is never SAFE on coverage alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSafetyInput } from '@/lib/safety/load-safety-input';
import type { TSafetyReport } from '@/lib/safety/engine';
import { pgQuery } from '../../scripts/pglocal/query';
import { createPgCluster, waitFor, type TPgCluster } from '../support/pg-cluster';
import { declareContext, ensureSite, waitForHealthy } from '../support/promotion-support';
import { candidateOf, describeCandidate, expectNeverSafe, FAST_SAFETY_ENV, killPrimaryWithoutProof, overrideEnv, pollOnly, registerHarnessCluster, watchSafety } from './safety-support';

const ZERO_LOSS_AUTOMATIC = { rpoClass: 'RPO-0', crossSite: 'not-assumed', replication: { local: 'sync', crossSite: 'none' }, approvalsRequired: 1, failover: 'automatic' };
let restoreEnv: () => void = () => {};
let poller: { stop: () => Promise<void> } | null = null;
const clusters: TPgCluster[] = [];
/** how long the control's standby took to become SAFE after the primary died (the override case watches longer) */
let controlSafeAfterMs = 10_000;

beforeAll(async () => {
  restoreEnv = overrideEnv(FAST_SAFETY_ENV);
  await ensureSite('oslo');
  await declareContext('sync-commit-ctx', ZERO_LOSS_AUTOMATIC);
});
afterAll(async () => {
  await poller?.stop();
  await Promise.all(clusters.map((c) => c.cleanup()));
  restoreEnv();
});

async function syncCluster(name: string, prefix: string): Promise<TPgCluster> {
  const pg = await createPgCluster({ primary: { name: `${prefix}-a`, site: 'oslo' }, replicas: [{ name: `${prefix}-b`, site: 'oslo' }], sync: [`${prefix}-b`] });
  clusters.push(pg);
  await registerHarnessCluster(name, pg, ['sync-commit-ctx']);
  await pg.primary.psql(`CREATE TABLE t (id serial primary key, pad text)`);
  await pg.primary.psql(`INSERT INTO t (pad) SELECT repeat('a', 100) FROM generate_series(1, 1000)`);
  await pg.waitForReplay();
  return pg;
}

/** The primary's synchronous_commit facts as the engine gets them (loader + observation mapping). */
async function primaryFacts(cluster: string, primary: string) {
  const { input } = await loadSafetyInput({ name: cluster });
  const o = input.members.find((m) => m.name === primary)?.observation ?? null;
  return { role: o?.role, synchronousCommit: o?.synchronousCommit ?? null, overrides: o?.synchronousCommitOverrides ?? null };
}

/** The primary dies (nothing proves its final position); Vakt polls; reports are watched until `until` (or for `forMs`). */
async function killPrimaryAndWatch(cluster: string, pg: TPgCluster, o: { minMs: number; maxMs: number; until?: (r: TSafetyReport) => boolean }) {
  await killPrimaryWithoutProof(pg.primary);
  const t0 = Date.now();
  const w = await watchSafety(cluster, o);
  return { ...w, elapsedMs: Date.now() - t0 };
}

describe('synchronous_commit on a sync cluster with a zero-loss context', () => {
  it('control: no override, the primary dies -> the sync standby is covered by sync and SAFE', async () => {
    const pg = await syncCluster('safety-sync-commit-control', 'scc');
    poller = await pollOnly('safety-sync-commit-control');
    await waitForHealthy('safety-sync-commit-control', 15_000);
    await waitFor(async () => (await primaryFacts('safety-sync-commit-control', 'scc-a')).overrides !== null, 10_000, 'the primary reported its overrides (none)').catch(() => undefined);
    const facts = await primaryFacts('safety-sync-commit-control', 'scc-a');
    expect.soft(facts, 'the server setting and an empty override list are reported').toMatchObject({ role: 'primary', synchronousCommit: 'on', overrides: [] });

    const { reports, reached, last, elapsedMs } = await killPrimaryAndWatch('safety-sync-commit-control', pg, {
      minMs: 0,
      maxMs: 25_000,
      until: (r) => candidateOf(r, 'scc-b')?.verdict === 'SAFE',
    });
    await poller.stop();
    poller = null;
    const c = candidateOf(last, 'scc-b');
    expect(reached, `scc-b SAFE within 25 s; last: ${describeCandidate(c)} (${reports.length} reports)`).toBe(true);
    expect(c?.dataLoss.windowCoveredBySync, describeCandidate(c)).toBe(true);
    expect(c?.dataLoss.worstCaseSeconds, describeCandidate(c)).toBe(0);
    controlSafeAfterMs = elapsedMs;
  });

  it('ALTER ROLE app SET synchronous_commit = local: reported by the agent; the primary dies -> the window is not covered, never SAFE', async () => {
    const pg = await syncCluster('safety-sync-commit-override', 'sco');
    await pg.primary.psql(`CREATE ROLE app LOGIN`);
    await pg.primary.psql(`ALTER ROLE app SET synchronous_commit = local`);
    // the override is real: a session of app commits without waiting for the standby
    const [{ sc }] = await pgQuery<{ sc: string }>(`postgresql://app@127.0.0.1:${pg.primary.port}/postgres`, `SELECT current_setting('synchronous_commit') AS sc`);
    expect(sc).toBe('local');

    poller = await pollOnly('safety-sync-commit-override');
    await waitForHealthy('safety-sync-commit-override', 15_000);
    let facts = await primaryFacts('safety-sync-commit-override', 'sco-a');
    await waitFor(
      async () => {
        facts = await primaryFacts('safety-sync-commit-override', 'sco-a');
        return facts.overrides !== null;
      },
      10_000,
      'the primary reported its overrides',
    ).catch(() => undefined);
    // the primary's observation reports the override, and the server setting stays the server's
    expect.soft(facts.overrides, JSON.stringify(facts)).toEqual(expect.arrayContaining([{ role: 'app', database: null, value: 'local' }]));
    expect.soft(facts.synchronousCommit, JSON.stringify(facts)).toBe('on');

    const { reports, last } = await killPrimaryAndWatch('safety-sync-commit-override', pg, {
      // at least as long as the control needed to turn SAFE, plus margin
      minMs: controlSafeAfterMs + 3000,
      maxMs: controlSafeAfterMs + 3000,
    });
    await poller.stop();
    poller = null;
    const c = candidateOf(last, 'sco-b');
    const detail = `${describeCandidate(c)} window=${c?.dataLoss.unknownWindowSeconds} state ${last.state}`;
    expectNeverSafe(reports, 'sco-b');
    expect.soft(c?.dataLoss.windowCoveredBySync, detail).toBe(false);
    // the worst case includes the unknown window
    expect.soft(c?.dataLoss.unknownWindowSeconds ?? 0, detail).toBeGreaterThan(0);
    expect.soft(c !== undefined && c.dataLoss.worstCaseSeconds !== null && c.dataLoss.unknownWindowSeconds !== null && c.dataLoss.worstCaseSeconds >= c.dataLoss.unknownWindowSeconds, detail).toBe(true);
  });
});
