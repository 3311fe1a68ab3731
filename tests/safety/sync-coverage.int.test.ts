// Class 1 of the promotion-safety issue on real processes (docs/safety.md "The data-loss estimate"):
// with synchronous_standby_names = 'FIRST 1 (r1, r2)', Vakt's last good poll of the primary saw r1
// disconnected (so r2 was the sync standby). During the unknown window r1 reconnects, becomes sync
// again (higher priority) and takes more WAL while r2 is cut off; then the primary dies. r2 must
// never be SAFE (it lacks WAL that r1 acknowledged), its loss is measured against r1's position,
// and r1 is the best candidate.
import { describe, expect, it } from 'vitest';
import { loadSafetyInput } from '@/lib/safety/load-safety-input';
import { waitFor } from '../support/pg-cluster';
import {
  candidateOf,
  describeCandidate,
  expectNeverSafe,
  killPrimaryWithoutProof,
  LENIENT_AUTOMATIC,
  lsnDiff,
  safetyCluster,
  settledPosition,
  watchSafety,
} from './safety-support';

const CLUSTER = 'safety-sync-coverage';
const f = safetyCluster({
  cluster: CLUSTER,
  context: 'sync-coverage-ctx',
  contextSpec: LENIENT_AUTOMATIC,
  pg: {
    primary: { name: 'p0', site: 'oslo' },
    replicas: [
      { name: 'r1', site: 'oslo' },
      { name: 'r2', site: 'oslo' },
    ],
    sync: 'FIRST 1 (r1, r2)', // unquoted names, as operators write them
  },
});

const standbys = async () =>
  Object.fromEntries(
    (await f.pg.primary.psql<{ name: string; sync: string }>(`SELECT application_name AS name, sync_state AS sync FROM pg_stat_replication WHERE state = 'streaming'`)).map((r) => [
      r.name,
      r.sync,
    ]),
  );

describe('FIRST 1 (r1, r2): the standby set changes between the last good poll and the primary dying', () => {
  it('r2 behind r1 is never SAFE, its loss is measured against r1, and r1 is the best candidate', async () => {
    const [p0, r1, r2] = [f.pg.primary, f.pg.node('r1'), f.pg.node('r2')];

    // 1. r1 disconnected: r2 is the synchronous standby, and Vakt's last good poll of the primary sees that
    await r1.disconnectReplication();
    await waitFor(async () => JSON.stringify(await standbys()) === JSON.stringify({ r2: 'sync' }), 10_000, 'only r2 streaming, as sync');
    await p0.psql(`CREATE TABLE cov (id serial primary key, pad text)`);
    await p0.psql(`INSERT INTO cov (pad) SELECT repeat('a', 100) FROM generate_series(1, 1000)`);
    await f.poll();
    await waitFor(
      async () => {
        const { input } = await loadSafetyInput({ name: CLUSTER });
        const seen = Object.fromEntries(input.members.map((m) => [m.name, m.lastGood]));
        const repl = seen.p0?.replication ?? [];
        return (
          seen.p0?.role === 'primary' &&
          repl.some((e) => e.applicationName === 'r2' && e.syncState === 'sync') &&
          !repl.some((e) => e.applicationName === 'r1') &&
          seen.r1?.role === 'replica' &&
          seen.r2?.role === 'replica'
        );
      },
      15_000,
      'Vakt saw the primary with r2 as its only (sync) standby',
    );
    await f.stopPolling();

    // 2. the unknown window: r1 reconnects and is sync again (higher priority), r2 is cut off, r1 takes more WAL
    await r1.reconnectReplication();
    await waitFor(async () => (await standbys()).r1 === 'sync', 10_000, 'r1 sync again');
    expect((await standbys()).r2).toBe('potential');
    await r2.disconnectReplication();
    await p0.psql(`INSERT INTO cov (pad) SELECT repeat('b', 1000) FROM generate_series(1, 4000)`); // ~4 MB, acknowledged by r1
    await killPrimaryWithoutProof(p0); // nothing proves p0's final position: the window stays open

    // what the live nodes hold: r1 is ahead of r2 by everything r1 acknowledged in the window
    const r1Pos = await settledPosition(r1);
    const r2Pos = await settledPosition(r2);
    const gap = await lsnDiff(r1, r1Pos, r2Pos);
    expect(gap).toBeGreaterThan(1024 * 1024);

    // 3. Vakt polls again: the primary is down, both replicas answer
    await f.poll();
    const { reports, reached, last } = await watchSafety(CLUSTER, {
      minMs: 8000, // past the down-for (2 s) and streaming-evidence (5 s) delays, so nothing else hides a SAFE
      maxMs: 25_000,
      until: (r) => r.state === 'PRIMARY_DOWN' && candidateOf(r, 'r1')?.verdict === 'SAFE',
    });
    const c1 = candidateOf(last, 'r1');
    const c2 = candidateOf(last, 'r2');
    const detail = `r1: ${describeCandidate(c1)}; r2: ${describeCandidate(c2)}; state ${last.state}`;

    // r2 is never SAFE, at any point of the outage
    expectNeverSafe(reports, 'r2');

    // r2's loss is measured against r1's position (the most advanced one known), not the primary's last poll
    expect.soft(c2?.dataLoss.bytes, detail).toBe(gap);
    expect.soft(c2?.dataLoss.referenceLsn ? await lsnDiff(r1, c2.dataLoss.referenceLsn, r1Pos) : null, `reference ${c2?.dataLoss.referenceLsn} vs r1 ${r1Pos}`).toBe(0);
    expect.soft(c2?.dataLoss.windowCoveredBySync, detail).toBe(false);
    expect.soft(c2?.dataLoss.unknownWindowSeconds ?? 0, detail).toBeGreaterThan(0);
    expect.soft(c2 !== undefined && (c2.dataLoss.worstCaseSeconds === null || c2.dataLoss.worstCaseSeconds > 0), detail).toBe(true);

    // r1 (ahead, fresh, sync-listed) is the best candidate and, with nothing against it, SAFE
    expect.soft(last.candidates[0]?.node, detail).toBe('r1');
    expect.soft(c1?.rank, detail).toBe(1);
    expect.soft(c1?.dataLoss.bytes, detail).toBe(0);
    expect.soft(reached, `r1 SAFE within 25 s; last: ${detail}`).toBe(true);
  });
});
