import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { declarationFieldErrors, ZDeclarationFile, ZDeclarationSpec, ZDeclarationUpdate } from './declaration-schema';
import { diffSpecs } from './diff-declarations';
import { parseDeclarationBody } from './parse-declaration-body';
import { parseIfMatch } from './put-declaration';
import { AppError } from '@/lib/base/errors';

const FILE = `apiVersion: vakt/v1
kind: RecoveryDeclaration
context: inventory-tenancy
name: Inventory and tenancy
team: platform-inventory
baseVersion: 3
spec:
  dataOwnership: database-per-service
  rpoClass: RPO-1
  rtoClass: RTO-2
  crossSite: required
  failover: operator-approved
  replication: { local: sync, crossSite: async }
  acceptedCrossSiteDataLossSeconds: 30
  approvalsRequired: 2
  backup: { fullIntervalHours: 24, pitr: true, walArchiving: true, retentionDays: 14, drillCadenceDays: 7 }
  runbook: |
    Promote the bergen replica only after the oslo primary is fenced ...
  justification: ""
  storage: { durability: replicated-block, note: "Ceph RBD, 3 replicas per site" }
`;

const errorsOf = (schema: { safeParse: (v: unknown) => { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } }, v: unknown) => {
  const r = schema.safeParse(v);
  return r.success ? [] : declarationFieldErrors(r.error!.issues as never);
};

describe('ZDeclarationFile', () => {
  it('accepts the example file of docs/api.md', () => {
    const f = ZDeclarationFile.parse(parseYaml(FILE));
    expect(f.context).toBe('inventory-tenancy');
    expect(f.spec.backup.retentionDays).toBe(14);
  });

  it('accepts a spec without the optional keys', () => {
    const doc = parseYaml(FILE);
    delete doc.spec.storage;
    delete doc.spec.justification;
    delete doc.spec.acceptedCrossSiteDataLossSeconds;
    delete doc.baseVersion;
    expect(ZDeclarationFile.safeParse(doc).success).toBe(true);
  });

  it.each([
    ['unknown top-level key', (d: any) => (d.owner = 'x'), 'owner', /unknown field "owner"/],
    ['unknown spec key', (d: any) => (d.spec.rpo = 'RPO-1'), 'spec.rpo', /unknown field "rpo"/],
    ['unknown nested key', (d: any) => (d.spec.backup.retention = 3), 'spec.backup.retention', /unknown field/],
    ['spec missing', (d: any) => delete d.spec, 'spec', /required: the declaration spec/],
    ['wrong apiVersion', (d: any) => (d.apiVersion = 'v2'), 'apiVersion', /vakt\/v1/],
    ['bad slug', (d: any) => (d.context = 'Inventory_Tenancy'), 'context', /lower-case/],
    ['bad enum', (d: any) => (d.spec.failover = 'auto'), 'spec.failover', /automatic \| operator-approved \| manual/],
    ['bad cross-site replication', (d: any) => (d.spec.replication.crossSite = 'semi-sync'), 'spec.replication.crossSite', /sync \| async \| none/],
    ['approvals 3', (d: any) => (d.spec.approvalsRequired = 3), 'spec.approvalsRequired', /1 or 2/],
    ['retention as a string', (d: any) => (d.spec.backup.retentionDays = 'two weeks'), 'spec.backup.retentionDays', /number/],
    ['negative retention', (d: any) => (d.spec.backup.retentionDays = -1), 'spec.backup.retentionDays', /at least 1/],
    ['missing runbook', (d: any) => delete d.spec.runbook, 'spec.runbook', /runbook/],
    ['missing rpoClass', (d: any) => delete d.spec.rpoClass, 'spec.rpoClass', /RPO class/],
    ['bad storage durability', (d: any) => (d.spec.storage.durability = 'ssd'), 'spec.storage.durability', /local-disk/],
    ['fractional accepted loss', (d: any) => (d.spec.acceptedCrossSiteDataLossSeconds = 1.5), 'spec.acceptedCrossSiteDataLossSeconds', /whole number/],
  ])('rejects %s naming the field', (_n, mutate, path, msg) => {
    const doc = parseYaml(FILE);
    mutate(doc);
    const errs = errorsOf(ZDeclarationFile, doc);
    const e = errs.find((x) => x.path === path);
    expect(e, JSON.stringify(errs)).toBeDefined();
    expect(e!.message).toMatch(msg);
  });

  it('the short form takes {spec, baseVersion?, reason?} and rejects file-only keys', () => {
    const doc = parseYaml(FILE);
    expect(ZDeclarationUpdate.safeParse({ spec: doc.spec, reason: 'r' }).success).toBe(true);
    expect(errorsOf(ZDeclarationUpdate, { spec: doc.spec, context: 'x' })).toEqual([{ path: 'context', message: 'unknown field "context"' }]);
    expect(ZDeclarationSpec.safeParse(doc.spec).success).toBe(true);
  });
});

describe('diffSpecs', () => {
  it('lists changed, added and removed fields with dotted paths', () => {
    const a = { rpoClass: 'RPO-1', backup: { retentionDays: 14, pitr: true }, storage: { durability: 'unknown' } };
    const b = { rpoClass: 'RPO-2', backup: { retentionDays: 14, pitr: true }, justification: 'why' };
    expect(diffSpecs(a, b)).toEqual(
      expect.arrayContaining([
        { path: 'rpoClass', before: 'RPO-1', after: 'RPO-2' },
        { path: 'storage', before: { durability: 'unknown' }, after: undefined },
        { path: 'justification', before: undefined, after: 'why' },
      ]),
    );
    expect(diffSpecs(a, b)).toHaveLength(3);
    expect(diffSpecs(a, structuredClone(a))).toEqual([]);
    expect(diffSpecs({ backup: { pitr: true } }, { backup: { pitr: false } })).toEqual([{ path: 'backup.pitr', before: true, after: false }]);
    expect(diffSpecs(null, { a: 1 })).toEqual([{ path: 'a', before: undefined, after: 1 }]);
  });
});

describe('parseDeclarationBody', () => {
  it('parses YAML and JSON (JSON also without a JSON content type)', () => {
    expect(parseDeclarationBody(FILE, 'application/yaml')).toMatchObject({ context: 'inventory-tenancy' });
    expect(parseDeclarationBody('{"a":1}', 'application/json')).toEqual({ a: 1 });
    expect(parseDeclarationBody('{"a":1}', 'text/plain')).toEqual({ a: 1 });
  });
  it.each([
    ['malformed YAML', 'spec:\n  rpoClass: [RPO-1\n  rtoClass: x', 'application/yaml', /not valid YAML \(line \d+\)/],
    ['malformed JSON', '{"a":', 'application/json', /not valid JSON/],
    ['duplicate keys', 'a: 1\na: 2\n', 'application/yaml', /YAML/],
    ['empty body', '  ', null, /empty body/],
  ])('%s -> 400', (_n, text, ct, msg) => {
    try {
      parseDeclarationBody(text, ct);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).status).toBe(400);
      expect((e as AppError).message).toMatch(msg);
    }
  });
});

describe('parseIfMatch', () => {
  it.each([
    ['"3"', 3],
    ['3', 3],
    ['W/"12"', 12],
    ['*', undefined],
    [null, undefined],
  ])('%s -> %s', (h, v) => expect(parseIfMatch(h)).toBe(v));
  it('rejects garbage with 400', () => expect(() => parseIfMatch('"abc"')).toThrow(/If-Match/));
});
