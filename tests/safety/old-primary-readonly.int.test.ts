// Class 2 of the promotion-safety issue on real processes (docs/safety.md "History"): the primary
// took writes its replica never received, then stopped and came back read-only (standby.signal in its
// data directory, as a fence leaves it): it answers as a replica. Vakt must keep it as the last
// primary (timeline, last-seen-as-primary time), count its WAL end as a position the candidate must
// reach, never offer it as a candidate, and never call the replica SAFE with 0 bytes.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/pg-cluster';
import { waitForHealthy } from '../support/promotion-support';
import {
  candidateOf,
  dbNow,
  describeCandidate,
  expectNeverCandidate,
  expectNeverSafe,
  LENIENT_AUTOMATIC,
  lsnDiff,
  safetyCluster,
  settledPosition,
  watchSafety,
  writeStandbySignal,
} from './safety-support';

const CLUSTER = 'safety-old-primary-readonly';
const f = safetyCluster({
  cluster: CLUSTER,
  context: 'old-primary-ctx',
  contextSpec: { ...LENIENT_AUTOMATIC, replication: { local: 'async', crossSite: 'none' } },
  pg: { primary: { name: 'op-a', site: 'oslo' }, replicas: [{ name: 'op-b', site: 'oslo' }] },
});

describe('the old primary comes back read-only holding WAL its replica lacks', () => {
  it('the replica is not SAFE with 0 bytes, the old primary WAL end counts, the old primary is never a candidate', async () => {
    const pg = f.pg;
    const [a, b] = [pg.primary, pg.node('op-b')];
    await a.psql(`CREATE TABLE ro (id serial primary key, pad text)`);
    await a.psql(`INSERT INTO ro (pad) SELECT repeat('a', 100) FROM generate_series(1, 1000)`);
    await pg.waitForReplay();

    // Vakt sees the cluster healthy with op-a as primary on timeline 1, then stops polling
    await f.poll();
    await waitForHealthy(CLUSTER, 15_000);
    await f.stopPolling();
    const lastPolledAt = await dbNow();

    // replication to op-b stops; op-a takes ~2 MB more, stops, and comes back read-only
    await b.disconnectReplication();
    await a.psql(`INSERT INTO ro (pad) SELECT repeat('b', 1000) FROM generate_series(1, 2000)`);
    await a.stopPg('fast');
    writeStandbySignal(a);
    await a.startPg();
    await waitFor(async () => (await a.psql<{ r: boolean }>(`SELECT pg_is_in_recovery() AS r`))[0].r, 10_000, 'op-a in recovery');
    await expect(a.psql(`INSERT INTO ro (pad) VALUES ('x')`)).rejects.toThrow(/read-only/);

    const aEnd = await settledPosition(a); // its own WAL end, replayed
    const bPos = await settledPosition(b);
    const gap = await lsnDiff(a, aEnd, bPos);
    expect(gap).toBeGreaterThan(1024 * 1024);

    // Vakt polls again: op-a answers as a replica, op-b as a replica that lacks ~2 MB
    await f.poll();
    const { reports, last } = await watchSafety(CLUSTER, { minMs: 10_000, maxMs: 10_000 }); // past down-for (2 s) and streaming evidence (5 s)
    const cb = candidateOf(last, 'op-b');
    const detail = `op-b: ${describeCandidate(cb)}; op-a: ${describeCandidate(candidateOf(last, 'op-a'))}; state ${last.state}; primary ${JSON.stringify(last.primary)}`;

    expectNeverSafe(reports, 'op-b');
    expectNeverCandidate(reports, 'op-a');

    // the history of the last primary survives its read-only answers
    expect.soft(last.primary?.node, detail).toBe('op-a');
    expect.soft(last.primary?.timeline, detail).toBe(1);
    expect.soft(last.primary?.lastSeenOkAt ?? null, detail).not.toBeNull();
    if (last.primary?.lastSeenOkAt) expect.soft(Date.parse(last.primary.lastSeenOkAt), detail).toBeLessThanOrEqual(lastPolledAt.getTime() + 1000);

    // op-b's loss is measured against op-a's WAL end, and the unknown window runs from the last time op-a was seen as primary
    expect.soft(cb?.dataLoss.bytes, detail).toBe(gap);
    expect.soft(cb?.dataLoss.referenceLsn ? await lsnDiff(a, cb.dataLoss.referenceLsn, aEnd) : null, `reference ${cb?.dataLoss.referenceLsn} vs op-a end ${aEnd}`).toBe(0);
    const sinceLastPoll = (Date.parse(last.evaluatedAt) - lastPolledAt.getTime()) / 1000;
    expect.soft(cb?.dataLoss.unknownWindowSeconds ?? 0, detail).toBeGreaterThanOrEqual(sinceLastPoll - 1);
    expect.soft(cb?.dataLoss.windowCoveredBySync, detail).toBe(false);
  });
});
