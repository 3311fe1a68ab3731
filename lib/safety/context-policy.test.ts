import { describe, expect, it } from 'vitest';
import { declarationSpec } from '@/tests/support/declaration-fixture';
import { classBound, contextPolicy, undeclaredPolicy } from './context-policy';

const classes = [
  { kind: 'RPO', name: 'RPO-1', boundSeconds: 5 },
  { kind: 'RPO', name: 'RPO-9', boundSeconds: null },
  { kind: 'RTO', name: 'RTO-2', boundSeconds: 900 },
  { kind: 'RTO', name: 'RPO-1', boundSeconds: 1 },
];

describe('contextPolicy: the policy a cluster is judged by, per context', () => {
  it('a valid declaration: its classes with their bounds from the catalog', () => {
    expect(contextPolicy('inventory', declarationSpec(), classes)).toEqual({
      slug: 'inventory',
      rpoClass: 'RPO-1',
      rpoBoundSeconds: 5,
      rtoClass: 'RTO-2',
      rtoBoundSeconds: 900,
      crossSite: 'required',
      failover: 'operator-approved',
      replication: { local: 'sync', crossSite: 'async' },
      acceptedCrossSiteDataLossSeconds: 5,
      approvalsRequired: 2,
      runbook: declarationSpec().runbook,
    });
  });

  it.each([
    { name: 'no accepted cross-site loss declared: null, not 0', spec: declarationSpec({ acceptedCrossSiteDataLossSeconds: undefined }), key: 'acceptedCrossSiteDataLossSeconds', want: null },
    { name: 'a class whose bound is not chosen yet: null bound', spec: declarationSpec({ rpoClass: 'RPO-9' }), key: 'rpoBoundSeconds', want: null },
    { name: 'a class not in the catalog: null bound', spec: declarationSpec({ rpoClass: 'RPO-7' }), key: 'rpoBoundSeconds', want: null },
  ])('$name', ({ spec, key, want }) => expect(contextPolicy('inventory', spec, classes)[key as 'rpoBoundSeconds']).toBe(want));

  it.each([
    { name: 'no current declaration', spec: null },
    { name: 'a stored spec that no longer parses (e.g. after a schema change)', spec: { rpoClass: 'RPO-1' } },
    { name: 'a stored spec with an unknown key', spec: { ...declarationSpec(), colour: 'red' } },
  ])('$name: judged by the strictest assumptions (fail closed)', ({ spec }) => {
    expect(contextPolicy('inventory', spec, classes)).toEqual(undeclaredPolicy('inventory'));
    expect(undeclaredPolicy('inventory')).toMatchObject({ rpoBoundSeconds: null, failover: 'operator-approved', approvalsRequired: 2, replication: { local: 'async', crossSite: 'async' } });
  });

  it('classBound reads the bound of the right kind only', () => {
    expect(classBound(classes, 'RPO', 'RPO-1')).toBe(5);
    expect(classBound(classes, 'RTO', 'RPO-1')).toBe(1);
    expect(classBound(classes, 'RTO', 'RTO-9')).toBeNull();
  });
});
