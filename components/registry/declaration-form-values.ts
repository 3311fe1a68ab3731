import type { TDeclarationSpec } from '@/lib/registry/declaration-schema';

// The declaration form posts flat fields named by spec path ("spec.backup.retentionDays").
// These two pure functions convert between a spec and those strings. The server validates the
// result with the same zod schema as the API, so nothing is checked here: wrong input is passed
// through (e.g. "abc" -> NaN) so the schema names the field.

export type TFormValues = Record<string, string>;

const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));

export function specToValues(spec: Partial<TDeclarationSpec> | null): TFormValues {
  const s = spec ?? {};
  const v: TFormValues = {
    'spec.dataOwnership': text(s.dataOwnership),
    'spec.rpoClass': text(s.rpoClass),
    'spec.rtoClass': text(s.rtoClass),
    'spec.crossSite': text(s.crossSite),
    'spec.failover': text(s.failover),
    'spec.replication.local': text(s.replication?.local),
    'spec.replication.crossSite': text(s.replication?.crossSite),
    'spec.acceptedCrossSiteDataLossSeconds': text(s.acceptedCrossSiteDataLossSeconds),
    'spec.approvalsRequired': text(s.approvalsRequired ?? 2),
    'spec.backup.fullIntervalHours': text(s.backup?.fullIntervalHours),
    'spec.backup.retentionDays': text(s.backup?.retentionDays),
    'spec.backup.drillCadenceDays': text(s.backup?.drillCadenceDays),
    'spec.runbook': text(s.runbook),
    'spec.justification': text(s.justification),
    'spec.storage.durability': text(s.storage?.durability),
    'spec.storage.note': text(s.storage?.note),
  };
  // checkboxes post a value only when checked
  if (s.backup?.pitr) v['spec.backup.pitr'] = 'on';
  if (s.backup?.walArchiving) v['spec.backup.walArchiving'] = 'on';
  return v;
}

const blank = (v: string | undefined) => v === undefined || v.trim() === '';
const str = (v: string | undefined) => (blank(v) ? undefined : v!.trim());
// Browsers post textarea line breaks as CRLF; store LF so an unchanged runbook is not a new version.
const longText = (v: string | undefined) => (v ?? '').replace(/\r\n?/g, '\n');
const num = (v: string | undefined) => (blank(v) ? undefined : Number(v!.trim()));

/** Form strings -> the object handed to the schema (unknown shapes are left for zod to reject). */
export function valuesToSpec(v: TFormValues): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    dataOwnership: str(v['spec.dataOwnership']),
    rpoClass: str(v['spec.rpoClass']),
    rtoClass: str(v['spec.rtoClass']),
    crossSite: str(v['spec.crossSite']),
    failover: str(v['spec.failover']),
    replication: { local: str(v['spec.replication.local']), crossSite: str(v['spec.replication.crossSite']) },
    approvalsRequired: num(v['spec.approvalsRequired']),
    backup: {
      fullIntervalHours: num(v['spec.backup.fullIntervalHours']),
      pitr: v['spec.backup.pitr'] === 'on',
      walArchiving: v['spec.backup.walArchiving'] === 'on',
      retentionDays: num(v['spec.backup.retentionDays']),
      // empty = no drills scheduled (the schema allows null; lint flags it)
      drillCadenceDays: blank(v['spec.backup.drillCadenceDays']) ? null : num(v['spec.backup.drillCadenceDays']),
    },
    runbook: longText(v['spec.runbook']),
  };
  const loss = num(v['spec.acceptedCrossSiteDataLossSeconds']);
  if (loss !== undefined) spec.acceptedCrossSiteDataLossSeconds = loss;
  const justification = longText(v['spec.justification']);
  if (justification.trim() !== '') spec.justification = justification;
  const durability = str(v['spec.storage.durability']);
  const note = str(v['spec.storage.note']);
  // a note without a durability is passed on so the schema names the missing durability
  if (durability !== undefined || note !== undefined) spec.storage = { durability, ...(note !== undefined ? { note } : {}) };
  return spec;
}
