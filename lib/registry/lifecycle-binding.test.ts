import { describe, expect, it } from 'vitest';
import { declarationSpec } from '../../tests/support/declaration-fixture';
import { bindingSpec, type TBoundOf } from './lifecycle-binding';
import { reviewOutcome, saveOutcome } from './lifecycle-transitions';
import type { TDeclarationSpec } from './declaration-schema';

// the default catalog's bounds; RPO-X has no bound (unknown class)
const BOUNDS: Record<string, number> = { 'RPO-0': 0, 'RPO-1': 5, 'RPO-2': 60, 'RPO-3': 900, 'RTO-1': 60, 'RTO-2': 900, 'RTO-3': 14400 };
const boundOf: TBoundOf = (_kind, name) => BOUNDS[name] ?? null;
const base = declarationSpec({ crossSite: 'optional', failover: 'operator-approved', approvalsRequired: 1, rpoClass: 'RPO-2', rtoClass: 'RTO-2', acceptedCrossSiteDataLossSeconds: 30 });
const withP = (p: Partial<TDeclarationSpec>) => declarationSpec({ ...base, ...p });

describe('bindingSpec: field by field the stricter of accepted and proposed', () => {
  const table: Array<[string, Partial<TDeclarationSpec>, Partial<TDeclarationSpec>, Partial<TDeclarationSpec>]> = [
    // [what, accepted overrides, proposed overrides, expected binding fields]
    ['failover: manual beats operator-approved', {}, { failover: 'manual' }, { failover: 'manual' }],
    ['failover: operator-approved beats automatic (proposal looser)', {}, { failover: 'automatic' }, { failover: 'operator-approved' }],
    ['failover: operator-approved beats automatic (proposal stricter)', { failover: 'automatic' }, {}, { failover: 'operator-approved' }],
    ['approvals: 2 beats 1 (proposal stricter)', {}, { approvalsRequired: 2 }, { approvalsRequired: 2 }],
    ['approvals: 2 beats 1 (proposal looser)', { approvalsRequired: 2 }, {}, { approvalsRequired: 2 }],
    ['RPO: the lower bound (proposal stricter)', {}, { rpoClass: 'RPO-1' }, { rpoClass: 'RPO-1' }],
    ['RPO: the lower bound (proposal looser)', {}, { rpoClass: 'RPO-3' }, { rpoClass: 'RPO-2' }],
    ['RPO: an unknown class is the stricter (fail closed)', {}, { rpoClass: 'RPO-X' }, { rpoClass: 'RPO-X' }],
    ['RTO: the lower bound (proposal stricter)', {}, { rtoClass: 'RTO-1' }, { rtoClass: 'RTO-1' }],
    ['RTO: the lower bound (proposal looser)', {}, { rtoClass: 'RTO-3' }, { rtoClass: 'RTO-2' }],
    ['accepted cross-site loss: the smaller (proposal looser)', {}, { acceptedCrossSiteDataLossSeconds: 300 }, { acceptedCrossSiteDataLossSeconds: 30 }],
    ['accepted cross-site loss: the smaller (proposal stricter)', {}, { acceptedCrossSiteDataLossSeconds: 0 }, { acceptedCrossSiteDataLossSeconds: 0 }],
    ['cross-site: not-assumed beats optional', {}, { crossSite: 'not-assumed' }, { crossSite: 'not-assumed' }],
    ['cross-site: required beats optional', {}, { crossSite: 'required' }, { crossSite: 'required' }],
    ['cross-site: not-assumed (promotion) over required', { crossSite: 'required' }, { crossSite: 'not-assumed' }, { crossSite: 'not-assumed' }],
    ['backup: stricter of each', {}, { backup: { fullIntervalHours: 48, pitr: false, walArchiving: true, retentionDays: 30, drillCadenceDays: 3 } }, { backup: { fullIntervalHours: 24, pitr: true, walArchiving: true, retentionDays: 30, drillCadenceDays: 3 } }],
    ['backup: a drill cadence beats none', { backup: { ...base.backup, drillCadenceDays: null } }, { backup: { ...base.backup, drillCadenceDays: 30 } }, { backup: { ...base.backup, drillCadenceDays: 30 } }],
    ['reviewed claims bind as accepted (runbook, replication)', {}, { runbook: 'new text', replication: { local: 'async', crossSite: 'sync' } }, { runbook: base.runbook, replication: base.replication }],
  ];
  it.each(table)('%s', (_what, a, p, want) => {
    const b = bindingSpec(withP(a), withP(p), boundOf);
    expect(b.state).toBe('pending');
    expect(b.spec).toMatchObject(want);
  });

  it('an absent accepted loss (none accepted) is the smallest, from either side', () => {
    expect(bindingSpec(withP({ acceptedCrossSiteDataLossSeconds: undefined }), base, boundOf).spec).not.toHaveProperty('acceptedCrossSiteDataLossSeconds');
    expect(bindingSpec(base, withP({ acceptedCrossSiteDataLossSeconds: undefined }), boundOf).spec).not.toHaveProperty('acceptedCrossSiteDataLossSeconds');
  });

  it.each([
    ['required', 'not-assumed', true],
    ['not-assumed', 'required', true],
    ['optional', 'required', true],
    ['optional', 'not-assumed', false],
    ['optional', 'optional', false],
  ] as const)('cross-site replica required: accepted %s, proposed %s -> %s', (a, p, want) => {
    expect(bindingSpec(withP({ crossSite: a }), withP({ crossSite: p }), boundOf).crossSiteReplicaRequired).toBe(want);
  });

  it('no proposal: the accepted spec binds as it is', () => {
    expect(bindingSpec(base, null, boundOf)).toEqual({ state: 'accepted', spec: base, crossSiteReplicaRequired: false });
  });

  it('no accepted version: the proposal binds with two approvals and never automatic', () => {
    const b = bindingSpec(null, withP({ failover: 'automatic', approvalsRequired: 1 }), boundOf);
    expect(b.state).toBe('not-accepted');
    expect(b.spec).toMatchObject({ failover: 'operator-approved', approvalsRequired: 2 });
    expect(bindingSpec(null, withP({ failover: 'manual' }), boundOf).spec?.failover).toBe('manual');
  });

  it('neither: undeclared', () => {
    expect(bindingSpec(null, null, boundOf)).toEqual({ state: 'undeclared', spec: null, crossSiteReplicaRequired: false });
  });

  it('does not change its inputs', () => {
    const a = withP({});
    const p = withP({ failover: 'manual', backup: { ...base.backup, retentionDays: 90 } });
    const copies = [structuredClone(a), structuredClone(p)];
    bindingSpec(a, p, boundOf);
    expect([a, p]).toEqual(copies);
  });
});

describe('status transitions', () => {
  it.each([
    ['admin (or auto-accepted) save, no pending', { acceptsAtOnce: true, pendingVersion: null, identicalToHead: false }, { create: true, status: 'accepted', supersedes: null }],
    ['admin save with a pending proposal supersedes it', { acceptsAtOnce: true, pendingVersion: 4, identicalToHead: false }, { create: true, status: 'accepted', supersedes: 4 }],
    ["owner's save, no pending: proposed", { acceptsAtOnce: false, pendingVersion: null, identicalToHead: false }, { create: true, status: 'proposed', supersedes: null }],
    ['a new proposal supersedes the pending one', { acceptsAtOnce: false, pendingVersion: 4, identicalToHead: false }, { create: true, status: 'proposed', supersedes: 4 }],
    ['identical to the head: nothing', { acceptsAtOnce: false, pendingVersion: 4, identicalToHead: true }, { create: false }],
    ['identical to the accepted version, no pending: nothing', { acceptsAtOnce: true, pendingVersion: null, identicalToHead: true }, { create: false }],
  ] as const)('save: %s', (_what, input, want) => {
    expect(saveOutcome(input)).toEqual(want);
  });

  it.each([
    ['accept the pending proposal', { version: 5, status: 'proposed', pendingVersion: 5, action: 'accept', reason: null }, { ok: true, status: 'accepted' }],
    ['reject with a reason', { version: 5, status: 'proposed', pendingVersion: 5, action: 'reject', reason: 'RPO-0 is not reachable' }, { ok: true, status: 'rejected' }],
    ['reject without a reason', { version: 5, status: 'proposed', pendingVersion: 5, action: 'reject', reason: '  ' }, { ok: false, code: 'VALIDATION' }],
    ['accept an accepted version', { version: 3, status: 'accepted', pendingVersion: null, action: 'accept', reason: null }, { ok: false, code: 'CONFLICT' }],
    ['accept a superseded proposal', { version: 4, status: 'superseded', pendingVersion: 5, action: 'accept', reason: null }, { ok: false, code: 'CONFLICT' }],
    ['reject a rejected proposal', { version: 4, status: 'rejected', pendingVersion: null, action: 'reject', reason: 'x' }, { ok: false, code: 'CONFLICT' }],
    ['a proposed row that is not the pending pointer', { version: 4, status: 'proposed', pendingVersion: 5, action: 'accept', reason: null }, { ok: false, code: 'CONFLICT' }],
  ] as const)('review: %s', (_what, input, want) => {
    expect(reviewOutcome(input)).toMatchObject(want);
  });
});
