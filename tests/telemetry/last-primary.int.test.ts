import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { systemActor } from '@/lib/auth/actor';
import { lsnDiff } from '@/lib/pg';
import { registerCluster } from '@/lib/registry/register-cluster';
import { loadSafetyInput } from '@/lib/safety/load-safety-input';
import { createPoller } from '@/lib/telemetry/poll-cycle';
import { createPgCluster, startWriteLoad, type TPgCluster } from '../support/pg-cluster';
import { ensureSites, onlyDue } from '../support/cluster-setup';

// Real processes (class 2 of the promotion-safety issue): the primary is fenced and restarted
// read-only (standby.signal, streaming from nobody). It answers as a replica from then on; Vakt
// keeps the last time it was ok as primary with its WAL end and timeline, and counts its own WAL end.
let c: TPgCluster;
const poll = async () => {
  await onlyDue('lastp-main');
  await createPoller({ workerId: 'w-lastp', timeoutMs: 3000 }).runCycle();
};
const lastGood = async (name: string) =>
  db.nodeLastGood.findUniqueOrThrow({ where: { memberId: (await db.clusterMember.findFirstOrThrow({ where: { name, cluster: { name: 'lastp-main' } } })).id } });

beforeAll(async () => {
  c = await createPgCluster({ primary: { name: 'lp-1', site: 'oslo' }, replicas: [{ name: 'lp-2', site: 'oslo' }] });
  await ensureSites('oslo');
  await registerCluster({
    actor: systemActor(),
    input: { name: 'lastp-main', kind: 'vakt-agent', members: c.nodes.map((n) => ({ name: n.name, site: n.site, agentUrl: n.agentUrl!, agentToken: n.agentToken! })) },
  });
});
afterAll(async () => {
  await c?.cleanup();
});

describe('the old primary fenced and restarted read-only', () => {
  it('keeps its last sighting as primary (time, WAL end, timeline) and is still the expected primary; its own WAL end is an observed position', async () => {
    const [lp1, lp2] = c.nodes;
    const load = await startWriteLoad(lp1, { intervalMs: 20 });
    await poll();
    await load.stop();
    await poll(); // the last answer as primary, after the writes
    const asPrimary = await lastGood('lp-1');
    expect(asPrimary).toMatchObject({ role: 'primary', primaryTimeline: 1 });
    expect(asPrimary.primaryLsn).toBe(asPrimary.lsn);

    // the replica stops receiving, the primary writes more (WAL only the old primary holds), then is fenced
    await lp2.stopPg('fast');
    const more = await startWriteLoad(lp1, { intervalMs: 10 });
    await new Promise((r) => setTimeout(r, 300));
    await more.stop();
    await poll();
    const lastAsPrimary = await lastGood('lp-1');
    expect(lsnDiff(lastAsPrimary.primaryLsn!, asPrimary.primaryLsn!)).toBeGreaterThan(0);
    expect((await lp1.agent!.fence(2, 'drill')).status).toBe(200);
    await lp1.startPg(); // standby.signal: read-only, streaming from nobody (lp2 stays down: it would cascade from lp1)
    await poll();

    const after = await lastGood('lp-1');
    expect(after.role).toBe('replica');
    expect(after.observedAt.getTime()).toBeGreaterThan(lastAsPrimary.observedAt.getTime());
    expect(after).toMatchObject({ primaryLsn: lastAsPrimary.primaryLsn, primaryTimeline: 1 });
    expect(after.primaryObservedAt).toEqual(lastAsPrimary.primaryObservedAt);

    const { input } = await loadSafetyInput({ name: 'lastp-main' });
    expect(input.history.expectedPrimary).toEqual({ node: 'lp-1', timeline: 1, lastLsn: lastAsPrimary.primaryLsn, lastSeenOkAt: lastAsPrimary.primaryObservedAt });
    expect(input.history.primaryDownSince).not.toBeNull();
    const m1 = input.members.find((m) => m.name === 'lp-1')!;
    const m2 = input.members.find((m) => m.name === 'lp-2')!;
    expect(m1.observation).toMatchObject({ status: 'ok', role: 'replica', fencing: { epoch: 2, fenced: true } });
    // its own WAL end (replayed from its local pg_wal) reaches what it wrote as primary; the replica's does not
    expect(lsnDiff(m1.observation!.replayLsn!, lastAsPrimary.primaryLsn!)).toBeGreaterThanOrEqual(0);
    expect(lsnDiff(m1.lastGood!.replayLsn!, lastAsPrimary.primaryLsn!)).toBeGreaterThanOrEqual(0);
    expect(m2.observation?.status).toBe('down');
    const replicaEnd = m2.lastGood!.receiveLsn ?? m2.lastGood!.replayLsn!;
    expect(lsnDiff(lastAsPrimary.primaryLsn!, replicaEnd)).toBeGreaterThan(0);
  });
});
