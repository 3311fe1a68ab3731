// Human labels for declaration fields (form, readable view, diffs, findings). Keys are spec paths.
export const SPEC_LABELS: Record<string, string> = {
  dataOwnership: 'Data ownership',
  rpoClass: 'RPO class',
  rtoClass: 'RTO class',
  crossSite: 'Cross-site stance',
  failover: 'Failover mode',
  replication: 'Replication',
  'replication.local': 'Local replication',
  'replication.crossSite': 'Cross-site replication',
  acceptedCrossSiteDataLossSeconds: 'Accepted cross-site data loss (seconds)',
  approvalsRequired: 'Approvals required',
  backup: 'Backup policy',
  'backup.fullIntervalHours': 'Full backup interval (hours)',
  'backup.pitr': 'Point-in-time recovery (PITR) required',
  'backup.walArchiving': 'WAL archiving',
  'backup.retentionDays': 'Retention (days)',
  'backup.drillCadenceDays': 'Restore-drill cadence (days)',
  runbook: 'Promotion runbook',
  justification: 'Justification',
  storage: 'Storage assumption',
  'storage.durability': 'Storage durability',
  'storage.note': 'Storage note',
};

/** "spec.backup.retentionDays" or "backup.retentionDays" -> "Retention (days)"; unknown paths stay as they are. */
export function fieldLabel(path: string): string {
  const p = path.replace(/^spec\./, '');
  return SPEC_LABELS[p] ?? path;
}

/** A spec value as a short readable string. */
export function formatValue(v: unknown): string {
  if (v === undefined) return '(not set)';
  if (v === null) return '(none)';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return v === '' ? '(empty)' : v;
  if (typeof v === 'number') return String(v);
  return JSON.stringify(v);
}
