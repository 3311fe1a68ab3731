import { describe, expect, it } from 'vitest';
import { clusterPolicy, policyDifferences, type TClusterPolicy, type TPolicyContext } from './cluster-policy';

const ctx = (slug: string, p: Partial<TPolicyContext> = {}): TPolicyContext => ({
  slug, rpoClass: 'RPO-2', rpoBoundSeconds: 60, rtoClass: 'RTO-2', rtoBoundSeconds: 900, failover: 'automatic', crossSite: 'optional', approvalsRequired: 1, ...p,
});
type TEffective = TClusterPolicy['effective'];

describe('clusterPolicy: the effective policy is the strictest of each, with the contexts forcing it', () => {
  const rows: Array<{ name: string; contexts: TPolicyContext[]; differs: string[]; effective: Partial<TEffective> }> = [
    {
      name: 'one context: its own policy, forced by itself',
      contexts: [ctx('a')],
      differs: [],
      effective: { rpo: { value: 'RPO-2', boundSeconds: 60, forcedBy: ['a'], unbounded: [] }, failover: { value: 'automatic', forcedBy: ['a'] }, approvalsRequired: { value: 1, forcedBy: ['a'] } },
    },
    {
      name: 'the lower RPO and RTO bounds win',
      contexts: [ctx('b', { rpoClass: 'RPO-4', rpoBoundSeconds: 86400, rtoClass: 'RTO-1', rtoBoundSeconds: 60 }), ctx('a', { rpoClass: 'RPO-1', rpoBoundSeconds: 5 })],
      differs: ['rpoClass', 'rtoClass'],
      effective: { rpo: { value: 'RPO-1', boundSeconds: 5, forcedBy: ['a'], unbounded: [] }, rto: { value: 'RTO-1', boundSeconds: 60, forcedBy: ['b'], unbounded: [] } },
    },
    {
      name: 'a class without a bound cannot be compared: listed as unbounded',
      contexts: [ctx('a', { rpoClass: 'RPO-X', rpoBoundSeconds: null }), ctx('b')],
      differs: ['rpoClass'],
      effective: { rpo: { value: 'RPO-2', boundSeconds: 60, forcedBy: ['b'], unbounded: ['a'] } },
    },
    {
      name: 'no bound at all: no effective RPO class',
      contexts: [ctx('a', { rpoBoundSeconds: null })],
      differs: [],
      effective: { rpo: { value: null, boundSeconds: null, forcedBy: [], unbounded: ['a'] } },
    },
    {
      name: 'failover: manual > operator-approved > automatic',
      contexts: [ctx('a'), ctx('b', { failover: 'operator-approved' }), ctx('c', { failover: 'manual' })],
      differs: ['failover'],
      effective: { failover: { value: 'manual', forcedBy: ['c'] } },
    },
    {
      name: 'failover: two contexts forcing operator-approval are both named',
      contexts: [ctx('c', { failover: 'operator-approved' }), ctx('a', { failover: 'operator-approved' }), ctx('b')],
      differs: ['failover'],
      effective: { failover: { value: 'operator-approved', forcedBy: ['a', 'c'] } },
    },
    {
      name: 'approvals: 2 > 1',
      contexts: [ctx('a'), ctx('b', { approvalsRequired: 2 })],
      differs: ['approvalsRequired'],
      effective: { approvalsRequired: { value: 2, forcedBy: ['b'] } },
    },
    {
      name: 'cross-site: required forces a cross-site replica, not-assumed forbids relying on a cross-site promotion',
      contexts: [ctx('a', { crossSite: 'required' }), ctx('b', { crossSite: 'not-assumed' }), ctx('c')],
      differs: ['crossSite'],
      effective: { crossSiteReplica: { value: 'required', forcedBy: ['a'] }, crossSitePromotion: { value: 'not-assumed', forcedBy: ['b'] } },
    },
    {
      name: 'cross-site: all optional',
      contexts: [ctx('a'), ctx('b')],
      differs: [],
      effective: { crossSiteReplica: { value: 'optional', forcedBy: ['a', 'b'] }, crossSitePromotion: { value: 'optional', forcedBy: ['a', 'b'] } },
    },
  ];
  it.each(rows)('$name', ({ contexts, differs, effective }) => {
    const p = clusterPolicy(contexts)!;
    expect(p.differs).toEqual(differs);
    expect(p.effective).toMatchObject(effective);
    expect(p.contexts.map((c) => c.slug)).toEqual([...contexts.map((c) => c.slug)].sort());
  });

  it('a cluster holding no declared context has no policy', () => expect(clusterPolicy([])).toBeNull());

  it('keeps only the policy fields of what it is given (no runbook or replication in the view)', () => {
    const p = clusterPolicy([{ ...ctx('a'), runbook: 'secret steps' } as TPolicyContext])!;
    expect(Object.keys(p.contexts[0]).sort()).toEqual(['approvalsRequired', 'crossSite', 'failover', 'rpoBoundSeconds', 'rpoClass', 'rtoBoundSeconds', 'rtoClass', 'slug']);
  });
});

describe('policyDifferences', () => {
  it.each([
    [ctx('a'), ctx('b'), []],
    [ctx('a'), ctx('b', { rtoClass: 'RTO-3', failover: 'manual' }), ['rtoClass', 'failover']],
    [ctx('a'), { slug: 'b', rpoClass: 'RPO-4' }, ['rpoClass']],
    [ctx('a'), { slug: 'b', rpoClass: 'RPO-2' }, []],
    [ctx('a'), ctx('b', { crossSite: 'required', approvalsRequired: 2 }), ['crossSite', 'approvalsRequired']],
  ] as const)('%o vs %o differ in %j', (a, b, want) => expect(policyDifferences(a, b)).toEqual(want));
});
