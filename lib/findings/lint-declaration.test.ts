import { describe, expect, it } from 'vitest';
import { ZDeclarationSpec, type TDeclarationSpec } from '../registry/declaration-schema';
import { classCatalogFrom, type TClassCatalog } from '../registry/class-catalog';
import { LINT_RULES, lintDeclaration } from './lint-declaration';
import { lintStoredSpec } from './get-context-findings';
import { DEFAULT_CLASSES } from '../registry/classes';
import { declarationSpec } from '../../tests/support/declaration-fixture';

const catalog: TClassCatalog = classCatalogFrom(DEFAULT_CLASSES);
const withBounds = (rpo: Record<string, number | null>, rto: Record<string, number | null> = {}): TClassCatalog => ({
  rpo: new Map([...catalog.rpo, ...Object.entries(rpo)]),
  rto: new Map([...catalog.rto, ...Object.entries(rto)]),
});

export const cleanSpec: TDeclarationSpec = declarationSpec();

type TRow = { name: string; code: string; spec: Partial<TDeclarationSpec> & Record<string, unknown>; classes?: TClassCatalog; field?: string };
const spec = (patch: Record<string, unknown>) => patch as Partial<TDeclarationSpec>;
const noAccepted = { acceptedCrossSiteDataLossSeconds: undefined };

const rows: TRow[] = [
  { name: 'RPO class not in the catalog', code: 'UNKNOWN_RPO_CLASS', spec: spec({ rpoClass: 'RPO-9' }), field: 'spec.rpoClass' },
  { name: 'RTO class not in the catalog', code: 'UNKNOWN_RTO_CLASS', spec: spec({ rtoClass: 'gold' }), field: 'spec.rtoClass' },
  { name: 'RPO class bound unset', code: 'RPO_BOUND_UNSET', spec: spec({}), classes: withBounds({ 'RPO-1': null }), field: 'spec.rpoClass' },
  { name: 'RTO class bound unset', code: 'RTO_BOUND_UNSET', spec: spec({}), classes: withBounds({}, { 'RTO-2': null }), field: 'spec.rtoClass' },
  { name: 'RPO 0 with async cross-site replication', code: 'RPO_ZERO_ASYNC_CROSS_SITE', spec: spec({ rpoClass: 'RPO-0', acceptedCrossSiteDataLossSeconds: 0 }), field: 'spec.replication.crossSite' },
  { name: 'RPO 0 with async local replication', code: 'RPO_ZERO_LOCAL_ASYNC', spec: spec({ rpoClass: 'RPO-0', replication: { local: 'async', crossSite: 'sync' }, justification: 'x' }), field: 'spec.replication.local' },
  { name: 'cross-site required but no cross-site replication', code: 'CROSS_SITE_REQUIRED_NO_REPLICATION', spec: spec({ replication: { local: 'sync', crossSite: 'none' }, ...noAccepted }), field: 'spec.replication.crossSite' },
  { name: 'automatic cross-site failover over async without window', code: 'AUTO_CROSS_SITE_FAILOVER_UNBOUNDED_LOSS', spec: spec({ failover: 'automatic', ...noAccepted }), field: 'spec.acceptedCrossSiteDataLossSeconds' },
  { name: 'async cross-site without accepted window', code: 'ACCEPTED_LOSS_MISSING', spec: spec({ ...noAccepted }), field: 'spec.acceptedCrossSiteDataLossSeconds' },
  { name: 'accepted window above the RPO bound', code: 'ACCEPTED_LOSS_EXCEEDS_RPO', spec: spec({ acceptedCrossSiteDataLossSeconds: 30 }), field: 'spec.acceptedCrossSiteDataLossSeconds' },
  { name: 'accepted window without cross-site replication', code: 'ACCEPTED_LOSS_WITHOUT_CROSS_SITE_REPLICATION', spec: spec({ crossSite: 'not-assumed', replication: { local: 'sync', crossSite: 'none' } }), field: 'spec.acceptedCrossSiteDataLossSeconds' },
  { name: 'sync cross-site without justification', code: 'SYNC_CROSS_SITE_WITHOUT_JUSTIFICATION', spec: spec({ replication: { local: 'sync', crossSite: 'sync' } }), field: 'spec.justification' },
  { name: 'sync across sites, async locally', code: 'CROSS_SITE_SYNC_LOCAL_ASYNC', spec: spec({ replication: { local: 'async', crossSite: 'sync' }, justification: 'ledger' }), field: 'spec.replication.local' },
  { name: 'shared database', code: 'SHARED_DATABASE', spec: spec({ dataOwnership: 'shared' }), field: 'spec.dataOwnership' },
  { name: 'PITR without WAL archiving', code: 'PITR_WITHOUT_WAL_ARCHIVING', spec: spec({ backup: { ...cleanSpec.backup, walArchiving: false } }), field: 'spec.backup.walArchiving' },
  { name: 'drill cadence 0', code: 'DRILL_CADENCE_MISSING', spec: spec({ backup: { ...cleanSpec.backup, drillCadenceDays: 0 } }), field: 'spec.backup.drillCadenceDays' },
  { name: 'drill cadence null', code: 'DRILL_CADENCE_MISSING', spec: spec({ backup: { ...cleanSpec.backup, drillCadenceDays: null } }), field: 'spec.backup.drillCadenceDays' },
  { name: 'retention shorter than the full interval', code: 'RETENTION_SHORTER_THAN_INTERVAL', spec: spec({ backup: { ...cleanSpec.backup, fullIntervalHours: 168, retentionDays: 3 } }), field: 'spec.backup.retentionDays' },
  { name: 'no PITR and interval above the RPO', code: 'BACKUP_INTERVAL_EXCEEDS_RPO_WITHOUT_PITR', spec: spec({ backup: { ...cleanSpec.backup, pitr: false } }), field: 'spec.backup.pitr' },
  { name: 'operator-approved with an empty runbook', code: 'RUNBOOK_MISSING', spec: spec({ runbook: '  ' }), field: 'spec.runbook' },
  { name: 'manual with an empty runbook', code: 'RUNBOOK_MISSING', spec: spec({ failover: 'manual', runbook: '' }), field: 'spec.runbook' },
  { name: 'one approval with RPO <= 5 s', code: 'SINGLE_APPROVAL_STRICT_RPO', spec: spec({ approvalsRequired: 1 }), field: 'spec.approvalsRequired' },
  { name: 'manual failover with RTO <= 60 s', code: 'RTO_TOO_TIGHT_FOR_MANUAL', spec: spec({ failover: 'manual', rtoClass: 'RTO-1' }), field: 'spec.failover' },
  { name: 'storage assumption missing', code: 'STORAGE_ASSUMPTION_MISSING', spec: spec({ storage: undefined }), field: 'spec.storage' },
  { name: 'storage durability unknown', code: 'STORAGE_DURABILITY_UNKNOWN', spec: spec({ storage: { durability: 'unknown' } }), field: 'spec.storage.durability' },
];

const build = (patch: Record<string, unknown>): TDeclarationSpec => {
  const s = { ...cleanSpec, ...patch } as Record<string, unknown>;
  for (const k of Object.keys(s)) if (s[k] === undefined) delete s[k];
  return ZDeclarationSpec.parse(s); // every row is a valid spec: lint never blocks a save
};

describe('lintDeclaration', () => {
  it('a clean declaration has no findings', () => {
    expect(lintDeclaration(build({}), catalog)).toEqual([]);
  });

  it.each(rows)('$code: $name', ({ code, spec: patch, classes, field }) => {
    const findings = lintDeclaration(build(patch), classes ?? catalog);
    const f = findings.find((x) => x.code === code);
    expect(f, `expected ${code} in ${JSON.stringify(findings.map((x) => x.code))}`).toBeDefined();
    const rule = LINT_RULES.find((r) => r.code === code)!;
    expect(f!.severity).toBe(rule.severity);
    expect(f!.source).toBe('lint');
    expect(f!.field).toBe(field);
    expect(f!.message.length).toBeGreaterThan(30);
  });

  it('does not flag a justified sync cross-site, a justified shared database or a not-assumed automatic failover', () => {
    expect(lintDeclaration(build({ replication: { local: 'sync', crossSite: 'sync' }, justification: 'ledger needs it' }), catalog).map((f) => f.code)).toEqual([]);
    expect(lintDeclaration(build({ failover: 'automatic', crossSite: 'not-assumed', ...noAccepted }), catalog).map((f) => f.code)).toEqual(['ACCEPTED_LOSS_MISSING']);
  });

  it('skips bound-based rules when the bound is unset or the class unknown', () => {
    const codes = lintDeclaration(build({ rpoClass: 'RPO-X', approvalsRequired: 1, acceptedCrossSiteDataLossSeconds: 9999, backup: { ...cleanSpec.backup, pitr: false } }), catalog).map((f) => f.code);
    expect(codes).toEqual(['UNKNOWN_RPO_CLASS']);
  });

  it('stored specs: none yet, or one that no longer parses', () => {
    expect(lintStoredSpec(null, catalog).map((f) => f.code)).toEqual(['DECLARATION_MISSING']);
    expect(lintStoredSpec({ rpoClass: 'RPO-1' }, catalog).map((f) => [f.code, f.severity])).toEqual([['DECLARATION_INVALID', 'error']]);
    expect(lintStoredSpec(cleanSpec, catalog)).toEqual([]);
  });

  it('every rule in LINT_RULES has a table row (or a stored-spec test), codes are UPPER_SNAKE and unique', () => {
    const covered = new Set([...rows.map((r) => r.code), 'DECLARATION_MISSING', 'DECLARATION_INVALID']);
    for (const r of LINT_RULES) {
      expect(r.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(covered.has(r.code), r.code).toBe(true);
    }
    expect(new Set(LINT_RULES.map((r) => r.code)).size).toBe(LINT_RULES.length);
  });
});
