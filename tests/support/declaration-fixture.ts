import type { TDeclarationSpec } from '@/lib/registry/declaration-schema';

// The one valid declaration spec for tests (a clean one: lint finds nothing in it with the default
// class catalog). Each call returns a fresh object; `overrides` replace top-level keys, and a key
// overridden with `undefined` is left out (e.g. `{ storage: undefined }` = no storage assumption).
export function declarationSpec(overrides: Partial<TDeclarationSpec> = {}): TDeclarationSpec {
  const spec: Record<string, unknown> = {
    dataOwnership: 'database-per-service',
    rpoClass: 'RPO-1',
    rtoClass: 'RTO-2',
    crossSite: 'required',
    failover: 'operator-approved',
    replication: { local: 'sync', crossSite: 'async' },
    acceptedCrossSiteDataLossSeconds: 5,
    approvalsRequired: 2,
    backup: { fullIntervalHours: 24, pitr: true, walArchiving: true, retentionDays: 14, drillCadenceDays: 7 },
    runbook: 'Fence the oslo primary, promote the bergen replica, verify the timeline.',
    storage: { durability: 'replicated-block', note: 'Ceph RBD' },
    ...overrides,
  };
  for (const k of Object.keys(spec)) if (spec[k] === undefined) delete spec[k];
  return spec as TDeclarationSpec;
}
