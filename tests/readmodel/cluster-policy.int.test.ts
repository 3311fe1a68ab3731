import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { systemActor } from '@/lib/auth/actor';
import { createApiToken } from '@/lib/auth/tokens';
import { registerCluster } from '@/lib/registry/register-cluster';
import { refreshUntilIdle } from '@/lib/readmodel/refresh';
import { readContext } from '@/lib/readmodel/read';
import * as clusterRoute from '@/app/api/v1/clusters/[name]/route';
import { startFakeFleet, type TFakeFleet } from '../support/fake-agent';
import { declareContext, ensureSite } from '../support/promotion-support';

// A shared cluster, honestly (issue 16 item 2): the worker stores the cluster's policy (the contexts'
// classes, failover modes, cross-site stances, approvals and the effective, strictest policy with the
// contexts forcing it) and GET /api/v1/clusters/{name} serves it; the contexts' live findings name
// what differs, and a justification silences it.
const P = 'cpol-';
let fleet: TFakeFleet;
let token: string;

beforeAll(async () => {
  await ensureSite('oslo');
  fleet = await startFakeFleet([
    { name: `${P}a`, site: 'oslo', role: 'primary', lsn: 0x3001000 },
    { name: `${P}b`, site: 'oslo', role: 'replica', lsn: 0x3000000 },
  ]);
  await declareContext(`${P}orders`, { rpoClass: 'RPO-2', failover: 'automatic', approvalsRequired: 1 });
  await declareContext(`${P}ledger`, { rpoClass: 'RPO-4', failover: 'manual', approvalsRequired: 2, crossSite: 'not-assumed' });
  await declareContext(`${P}audit`, { rpoClass: 'RPO-4', failover: 'manual', approvalsRequired: 2, crossSite: 'not-assumed', justification: 'Audit follows the ledger on its cluster; the strictest policy applies to both.' });
  await registerCluster({
    actor: systemActor('test'),
    input: { name: `${P}main`, kind: 'vakt-agent', contexts: [`${P}orders`, `${P}ledger`, `${P}audit`], members: ['a', 'b'].map((m) => ({ name: `${P}${m}`, site: 'oslo', agentUrl: fleet.url(`${P}${m}`), agentToken: fleet.token })) },
  });
  await refreshUntilIdle();
  token = (await createApiToken({ actor: systemActor(), input: { name: `${P}viewer`, role: 'viewer' } })).token;
}, 120_000);

afterAll(async () => {
  await db.cluster.deleteMany({ where: { name: { startsWith: P } } });
  await db.apiToken.deleteMany({ where: { name: { startsWith: P } } });
  await fleet?.close();
});

describe('the policy of a shared cluster', () => {
  it('GET /api/v1/clusters/{name} serves the stored effective policy and who forces it', async () => {
    const r = await clusterRoute.GET(new Request(`http://localhost/api/v1/clusters/${P}main`, { headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve({ name: `${P}main` }) });
    expect(r.status).toBe(200);
    const { policy } = (await r.json()) as { policy: Record<string, unknown> & { contexts: Array<{ slug: string }>; effective: Record<string, unknown> } };
    expect(policy.contexts.map((c) => c.slug)).toEqual([`${P}audit`, `${P}ledger`, `${P}orders`]);
    expect(policy.differs).toEqual(['rpoClass', 'failover', 'crossSite', 'approvalsRequired']);
    expect(policy.effective).toEqual({
      rpo: { value: 'RPO-2', boundSeconds: 60, forcedBy: [`${P}orders`], unbounded: [] },
      rto: { value: 'RTO-2', boundSeconds: 900, forcedBy: [`${P}audit`, `${P}ledger`, `${P}orders`], unbounded: [] },
      failover: { value: 'manual', forcedBy: [`${P}audit`, `${P}ledger`] },
      approvalsRequired: { value: 2, forcedBy: [`${P}audit`, `${P}ledger`] },
      crossSiteReplica: { value: 'optional', forcedBy: [`${P}orders`] },
      crossSitePromotion: { value: 'not-assumed', forcedBy: [`${P}audit`, `${P}ledger`] },
    });
  });

  it('each unjustified context is told what differs; the justified one is not', async () => {
    const mixed = async (slug: string) => (await readContext(slug)).findings.filter((f) => f.code === 'MIXED_CLASSES_WITHOUT_JUSTIFICATION').map((f) => f.message);
    const [orders] = await mixed(`${P}orders`);
    expect(orders).toContain(`holds ${P}orders (RPO-2, failover automatic, cross-site optional, 1 approval) together with`);
    expect(orders).toContain(`${P}ledger (RPO-4, failover manual, cross-site not-assumed, 2 approvals)`);
    expect(orders).toContain('differ in RPO class, failover mode, cross-site stance, approvals');
    expect((await mixed(`${P}ledger`))[0]).toContain(`together with ${P}orders (RPO-2, failover automatic, cross-site optional, 1 approval)`);
    expect((await mixed(`${P}ledger`))[0]).not.toContain(`${P}audit (`);
    expect(await mixed(`${P}audit`)).toEqual([]);
  });
});
