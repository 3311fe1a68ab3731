import { z } from 'zod';

// The declaration file (docs/api.md "Declarations"): `recovery.yaml`, or the same object as JSON.
// Strict objects everywhere: an unknown or misspelt key is a 422 naming the field, never silently dropped.
//
// Decision: `acceptedCrossSiteDataLossSeconds` is optional in the schema even when cross-site replication
// is async. Its absence is the lint error ACCEPTED_LOSS_MISSING instead, because lint never blocks a
// save (docs/findings.md): a team can register what is true today and see the gap as a finding.
// `drillCadenceDays` is a required key but may be 0 or null ("no drills scheduled"), which is the lint
// finding DRILL_CADENCE_MISSING.

export const DATA_OWNERSHIP = ['database-per-service', 'schema-per-context', 'shared'] as const;
export const CROSS_SITE_STANCE = ['required', 'optional', 'not-assumed'] as const;
export const FAILOVER_MODES = ['automatic', 'operator-approved', 'manual'] as const;
export const LOCAL_REPLICATION = ['sync', 'async'] as const;
export const CROSS_SITE_REPLICATION = ['sync', 'async', 'none'] as const;
export const STORAGE_DURABILITY = ['local-disk', 'replicated-block', 'network-storage', 'unknown'] as const;

export const SLUG_RE = /^[a-z0-9][a-z0-9-]{1,62}$/;
export const TEAM_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

// Custom message only when the value is missing or of the wrong type; zod's own messages otherwise
// (e.g. unknown keys, which declarationFieldErrors turns into one error per key).
const whenMissing = (message: string) => (iss: { code: string; input?: unknown }) => (iss.code === 'invalid_type' ? message : undefined);

const oneOf = (values: readonly string[]) => `must be one of: ${values.join(' | ')}`;
const enumOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: oneOf(values) });
const className = (kind: 'RPO' | 'RTO') =>
  z
    .string({ error: `required: the ${kind} class name from the class catalog (e.g. ${kind}-1)` })
    .trim()
    .min(1, `required: the ${kind} class name from the class catalog (e.g. ${kind}-1)`)
    .max(64, 'at most 64 characters');
const int = (what: string, min: number, max: number) =>
  z
    .number({ error: `${what}: a whole number is required` })
    .int(`${what}: must be a whole number`)
    .min(min, `${what}: must be at least ${min}`)
    .max(max, `${what}: must be at most ${max}`);

export const ZReplication = z.strictObject(
  {
    local: enumOf(LOCAL_REPLICATION),
    crossSite: enumOf(CROSS_SITE_REPLICATION),
  },
  { error: whenMissing('required: { local: sync|async, crossSite: sync|async|none }') },
);

export const ZBackupPolicy = z.strictObject(
  {
    fullIntervalHours: z
      .number({ error: 'hours between full backups: a number is required' })
      .positive('hours between full backups: must be greater than 0')
      .max(24 * 366, 'hours between full backups: at most one year (8784)'),
    pitr: z.boolean({ error: 'point-in-time recovery required: true or false' }),
    walArchiving: z.boolean({ error: 'WAL archiving: true or false' }),
    retentionDays: int('retention in days', 1, 3650),
    drillCadenceDays: int('days between restore drills (0 = none scheduled)', 0, 3650).nullable(),
  },
  { error: whenMissing('required: { fullIntervalHours, pitr, walArchiving, retentionDays, drillCadenceDays }') },
);

export const ZStorageAssumption = z.strictObject({
  durability: enumOf(STORAGE_DURABILITY),
  note: z.string().max(500, 'at most 500 characters').optional(),
});

export const ZDeclarationSpec = z.strictObject(
  {
    dataOwnership: enumOf(DATA_OWNERSHIP),
    rpoClass: className('RPO'),
    rtoClass: className('RTO'),
    crossSite: enumOf(CROSS_SITE_STANCE),
    failover: enumOf(FAILOVER_MODES),
    replication: ZReplication,
    acceptedCrossSiteDataLossSeconds: int('accepted cross-site data loss in seconds', 0, 31 * 24 * 3600).optional(),
    approvalsRequired: z.union([z.literal(1), z.literal(2)], { error: 'approvals required: 1 or 2' }),
    backup: ZBackupPolicy,
    runbook: z.string({ error: 'required: the promotion runbook text (may be empty for now, which is a finding)' }).max(20_000, 'at most 20000 characters'),
    justification: z.string().max(5_000, 'at most 5000 characters').optional(),
    storage: ZStorageAssumption.optional(),
  },
  { error: whenMissing('required: the declaration spec object') },
);
export type TDeclarationSpec = z.infer<typeof ZDeclarationSpec>;

const ZReason = z.string().trim().max(1_000, 'at most 1000 characters').optional();
const ZBaseVersion = int('base version', 0, 2_147_483_647).optional();

export const ZDeclarationFile = z.strictObject({
  apiVersion: z.literal('vakt/v1', { error: 'must be vakt/v1' }),
  kind: z.literal('RecoveryDeclaration', { error: 'must be RecoveryDeclaration' }),
  context: z
    .string({ error: 'required: the context slug' })
    .regex(SLUG_RE, 'lower-case letters, digits and "-", 2 to 63 characters, starting with a letter or digit'),
  name: z.string({ error: 'required: a readable name for the context' }).trim().min(1, 'required: a readable name').max(200, 'at most 200 characters'),
  team: z.string({ error: 'required: the owner team' }).regex(TEAM_NAME_RE, 'letters, digits, ".", "_" and "-", at most 63 characters'),
  baseVersion: ZBaseVersion,
  reason: ZReason,
  spec: ZDeclarationSpec,
});

/** The short form accepted by the API and the UI: the spec plus optional metadata. */
export const ZDeclarationUpdate = z.strictObject({
  name: z.string().trim().min(1, 'required: a readable name').max(200, 'at most 200 characters').optional(),
  team: z.string().regex(TEAM_NAME_RE, 'letters, digits, ".", "_" and "-", at most 63 characters').optional(),
  baseVersion: ZBaseVersion,
  reason: ZReason,
  spec: ZDeclarationSpec,
});

/** zod issues -> field errors; an unknown key becomes its own entry whose path names the key. */
export function declarationFieldErrors(issues: readonly { code?: string; path: readonly PropertyKey[]; message: string; keys?: readonly string[] }[]): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  for (const i of issues) {
    if (i.code === 'unrecognized_keys' && i.keys?.length) {
      for (const k of i.keys) out.push({ path: [...i.path, k].map(String).join('.'), message: `unknown field "${k}"` });
    } else {
      out.push({ path: i.path.map(String).join('.') || '(root)', message: i.message });
    }
  }
  return out;
}
