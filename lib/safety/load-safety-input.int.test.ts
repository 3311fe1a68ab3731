import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { systemActor } from '@/lib/auth/actor';
import { createSite } from '@/lib/registry/sites';
import { registerCluster } from '@/lib/registry/register-cluster';
import { loadSafetyInput } from './load-safety-input';

// The loader's history from stored promotions: every earlier primary is a known loser by epoch and
// timeline (replacedPrimaries); and the engine is judged at the database's now().
let clusterId: string;
const T = (s: number) => new Date(Date.parse('2026-03-20T12:00:00Z') + s * 1000);

async function completed(id: string, candidate: string, from: string, epochAfter: number, finishedAt: Date, previousTimeline: number) {
  await db.promotionRequest.create({
    data: {
      id,
      clusterId,
      candidate,
      reason: 'test history',
      status: 'COMPLETED',
      requestedByLabel: 'test',
      epochBefore: epochAfter - 1,
      epochAfter,
      approvalsRequired: 1,
      verdict: { primary: { node: from, timeline: previousTimeline } },
      observedLsns: {},
      expiresAt: T(3600),
      finishedAt,
    },
  });
  await db.clusterEvent.create({ data: { clusterId, kind: 'promotion', message: `promoted ${candidate}`, at: finishedAt, data: { promotionId: id, forkLsn: '0/5000000', previousTimeline, newTimeline: previousTimeline + 1 } } });
}

beforeAll(async () => {
  await createSite({ actor: systemActor(), input: { name: 'oslo' } }).catch(() => undefined);
  await registerCluster({
    actor: systemActor(),
    input: {
      name: 'hist-main',
      kind: 'vakt-agent',
      members: ['h-1', 'h-2', 'h-3'].map((name, i) => ({ name, site: 'oslo', agentUrl: `http://127.0.0.1:${9 + i}`, agentToken: 'token-not-used-0123456789' })),
    },
  });
  clusterId = (await db.cluster.findUniqueOrThrow({ where: { name: 'hist-main' } })).id;
});

describe('loadSafetyInput: history from every completed promotion', () => {
  it('two promotions (h-1 -> h-2 -> h-3): both earlier primaries are replaced primaries with their epoch and timeline; the last one is previousPromotion', async () => {
    await completed('p-hist-2', 'h-3', 'h-2', 3, T(200), 2); // stored out of order on purpose
    await completed('p-hist-1', 'h-2', 'h-1', 2, T(100), 1);
    const { input } = await loadSafetyInput({ name: 'hist-main' });
    expect(input.history.replacedPrimaries).toEqual([
      { node: 'h-1', epoch: 2, timeline: 1 },
      { node: 'h-2', epoch: 3, timeline: 2 },
    ]);
    expect(input.history.previousPromotion).toMatchObject({ node: 'h-3', fromNode: 'h-2', epoch: 3, previousTimeline: 2, newTimeline: 3 });
    expect(input.history.expectedPrimary?.node).toBe('h-3');
  });

  it('a replaced primary promoted again (h-3 -> h-1) is no loser any more', async () => {
    await completed('p-hist-3', 'h-1', 'h-3', 4, T(300), 3);
    const { input } = await loadSafetyInput({ name: 'hist-main' });
    expect(input.history.replacedPrimaries).toEqual([
      { node: 'h-2', epoch: 3, timeline: 2 },
      { node: 'h-3', epoch: 4, timeline: 3 },
    ]);
    expect(input.history.expectedPrimary?.node).toBe('h-1');
  });

  it("is judged at the database's now(), with the clock-skew bound from the configuration", async () => {
    const [{ before }] = await db.$queryRawUnsafe<{ before: Date }[]>(`SELECT clock_timestamp() AS before`);
    const { input } = await loadSafetyInput({ name: 'hist-main' });
    const [{ after }] = await db.$queryRawUnsafe<{ after: Date }[]>(`SELECT clock_timestamp() AS after`);
    const now = new Date(input.now).getTime();
    expect(now).toBeGreaterThanOrEqual(before.getTime());
    expect(now).toBeLessThanOrEqual(after.getTime());
    expect(input.config).toMatchObject({ maxClockSkewMs: 2000 });
  });
});
