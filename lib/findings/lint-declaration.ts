import { sortFindings, type TFinding, type TFindingSeverity } from '@/lib/findings/types';
import type { TClassCatalog } from '../registry/class-catalog';
import type { TDeclarationSpec } from '../registry/declaration-schema';

// Declaration lint: pure static checks of one declaration against the class catalog. Lint never
// blocks a save; it tells the service team what an expert reader of the decision record would flag.

export type TLintRule = { code: string; severity: TFindingSeverity; summary: string };

/** The one table of lint codes (docs/findings.md "Lint findings"). Codes are stable: never rename one. */
export const LINT_RULES = [
  { code: 'UNKNOWN_RPO_CLASS', severity: 'error', summary: 'The RPO class is not in the class catalog.' },
  { code: 'UNKNOWN_RTO_CLASS', severity: 'error', summary: 'The RTO class is not in the class catalog.' },
  { code: 'RPO_BOUND_UNSET', severity: 'warning', summary: 'The RPO class has no numeric bound yet; checks against it are skipped.' },
  { code: 'RTO_BOUND_UNSET', severity: 'warning', summary: 'The RTO class has no numeric bound yet; checks against it are skipped.' },
  { code: 'RPO_ZERO_ASYNC_CROSS_SITE', severity: 'error', summary: 'RPO 0 declared, but cross-site replication is asynchronous: a cross-site failover loses data.' },
  { code: 'RPO_ZERO_LOCAL_ASYNC', severity: 'error', summary: 'RPO 0 declared, but local replication is asynchronous: even a local failover can lose data.' },
  { code: 'CROSS_SITE_REQUIRED_NO_REPLICATION', severity: 'error', summary: 'Cross-site is required, but cross-site replication is none.' },
  { code: 'AUTO_CROSS_SITE_FAILOVER_UNBOUNDED_LOSS', severity: 'error', summary: 'Automatic failover over asynchronous cross-site replication without an accepted data-loss window.' },
  { code: 'ACCEPTED_LOSS_MISSING', severity: 'error', summary: 'Cross-site replication is asynchronous but no accepted cross-site data-loss window is stated.' },
  { code: 'ACCEPTED_LOSS_EXCEEDS_RPO', severity: 'warning', summary: 'The accepted cross-site data-loss window is larger than the RPO bound.' },
  { code: 'ACCEPTED_LOSS_WITHOUT_CROSS_SITE_REPLICATION', severity: 'info', summary: 'An accepted cross-site data-loss window is stated, but there is no cross-site replication.' },
  { code: 'SYNC_CROSS_SITE_WITHOUT_JUSTIFICATION', severity: 'warning', summary: 'Synchronous cross-site replication is claimed without a justification (asynchronous is the default across sites).' },
  { code: 'CROSS_SITE_SYNC_LOCAL_ASYNC', severity: 'warning', summary: 'Replication is synchronous across sites but asynchronous locally: stronger remotely than at home.' },
  { code: 'SHARED_DATABASE', severity: 'warning', summary: 'Data ownership is a shared database; the decision record asks for a database per service or a schema per context.' },
  { code: 'PITR_WITHOUT_WAL_ARCHIVING', severity: 'error', summary: 'Point-in-time recovery is required, but WAL archiving is off.' },
  { code: 'DRILL_CADENCE_MISSING', severity: 'warning', summary: 'No restore-drill cadence: an untested backup is not trustworthy.' },
  { code: 'RETENTION_SHORTER_THAN_INTERVAL', severity: 'error', summary: 'Backups are deleted before the next full backup exists.' },
  { code: 'BACKUP_INTERVAL_EXCEEDS_RPO_WITHOUT_PITR', severity: 'warning', summary: 'Without PITR, restoring a backup loses up to the full-backup interval, which is above the RPO bound.' },
  { code: 'RUNBOOK_MISSING', severity: 'error', summary: 'Failover is manual or operator-approved, but the promotion runbook is empty.' },
  { code: 'SINGLE_APPROVAL_STRICT_RPO', severity: 'warning', summary: 'A strict RPO (bound of 5 s or less) with gated promotions approved by one person.' },
  { code: 'RTO_TOO_TIGHT_FOR_MANUAL', severity: 'warning', summary: 'An RTO bound of 60 s or less cannot be met when a person must act first.' },
  { code: 'STORAGE_ASSUMPTION_MISSING', severity: 'warning', summary: 'The storage durability assumption is not stated.' },
  { code: 'STORAGE_DURABILITY_UNKNOWN', severity: 'warning', summary: 'The storage durability assumption is "unknown".' },
  // reported for stored declarations (lib/findings/get-context-findings.ts), not by lintDeclaration itself
  { code: 'DECLARATION_MISSING', severity: 'warning', summary: 'The context has no recovery declaration yet.' },
  { code: 'DECLARATION_INVALID', severity: 'error', summary: 'The stored declaration no longer matches the schema; save a corrected version.' },
] as const satisfies readonly TLintRule[];

export type TLintCode = (typeof LINT_RULES)[number]['code'];
const severityOf = new Map<string, TFindingSeverity>(LINT_RULES.map((r) => [r.code, r.severity]));

/** Thresholds the rules use (exported so docs/findings.md and the tests say the same numbers). */
export const LINT_THRESHOLDS = { strictRpoSeconds: 5, humanActionRtoSeconds: 60 } as const;

const fmt = (s: number) => (s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 360) / 10} h`);
const blank = (s: string | undefined) => !s || s.trim() === '';

export function lintDeclaration(spec: TDeclarationSpec, classes: TClassCatalog): TFinding[] {
  const out: TFinding[] = [];
  const add = (code: TLintCode, message: string, field?: string) =>
    out.push({ code, severity: severityOf.get(code)!, message, ...(field ? { field } : {}), source: 'lint' });

  // --- classes and their bounds
  const rpoKnown = classes.rpo.has(spec.rpoClass);
  const rtoKnown = classes.rto.has(spec.rtoClass);
  const rpo = rpoKnown ? classes.rpo.get(spec.rpoClass)! : null;
  const rto = rtoKnown ? classes.rto.get(spec.rtoClass)! : null;
  if (!rpoKnown) add('UNKNOWN_RPO_CLASS', `RPO class "${spec.rpoClass}" is not in the class catalog (known: ${[...classes.rpo.keys()].join(', ') || 'none'}).`, 'spec.rpoClass');
  else if (rpo === null) add('RPO_BOUND_UNSET', `RPO class ${spec.rpoClass} has no numeric bound yet, so Vakt cannot check lag, backups or promotions against it. Ask a platform admin to set it.`, 'spec.rpoClass');
  if (!rtoKnown) add('UNKNOWN_RTO_CLASS', `RTO class "${spec.rtoClass}" is not in the class catalog (known: ${[...classes.rto.keys()].join(', ') || 'none'}).`, 'spec.rtoClass');
  else if (rto === null) add('RTO_BOUND_UNSET', `RTO class ${spec.rtoClass} has no numeric bound yet, so Vakt cannot check restore drills against it. Ask a platform admin to set it.`, 'spec.rtoClass');

  const { replication: rep, backup } = spec;
  const accepted = spec.acceptedCrossSiteDataLossSeconds;

  // --- replication posture vs RPO
  if (rpo === 0 && rep.crossSite === 'async')
    add('RPO_ZERO_ASYNC_CROSS_SITE', `RPO class ${spec.rpoClass} promises no data loss, but cross-site replication is asynchronous: promoting a replica in the other site loses the transactions not yet shipped. Use synchronous cross-site replication (with a justification) or a weaker RPO class.`, 'spec.replication.crossSite');
  if (rpo === 0 && rep.local === 'async')
    add('RPO_ZERO_LOCAL_ASYNC', `RPO class ${spec.rpoClass} promises no data loss, but local replication is asynchronous: losing the primary loses the transactions its replica has not received. Use synchronous local replication or a weaker RPO class.`, 'spec.replication.local');
  if (spec.crossSite === 'required' && rep.crossSite === 'none')
    add('CROSS_SITE_REQUIRED_NO_REPLICATION', 'Cross-site is declared required, but cross-site replication is "none": after a site loss there is no replica to promote. Replicate to another site or declare cross-site optional / not-assumed.', 'spec.replication.crossSite');

  // --- the cross-site data-loss window (the record: cross-site failover claims state it explicitly)
  if (rep.crossSite === 'async' && accepted === undefined) {
    if (spec.failover === 'automatic' && spec.crossSite !== 'not-assumed')
      add('AUTO_CROSS_SITE_FAILOVER_UNBOUNDED_LOSS', 'Failover is automatic and may cross sites over asynchronous replication, but no data-loss window has been accepted: an automatic promotion could silently lose an unbounded amount of data. State acceptedCrossSiteDataLossSeconds or make failover operator-approved.', 'spec.acceptedCrossSiteDataLossSeconds');
    add('ACCEPTED_LOSS_MISSING', 'Cross-site replication is asynchronous, so a cross-site failover loses the data not yet shipped. State how much you accept in acceptedCrossSiteDataLossSeconds.', 'spec.acceptedCrossSiteDataLossSeconds');
  }
  if (accepted !== undefined && rpo !== null && rpoKnown && accepted > rpo && rep.crossSite !== 'none')
    add('ACCEPTED_LOSS_EXCEEDS_RPO', `The accepted cross-site data-loss window (${fmt(accepted)}) is larger than the bound of RPO class ${spec.rpoClass} (${fmt(rpo)}): a cross-site failover within what you accept would still break the RPO. Lower the window or choose a weaker RPO class.`, 'spec.acceptedCrossSiteDataLossSeconds');
  if (accepted !== undefined && rep.crossSite === 'none')
    add('ACCEPTED_LOSS_WITHOUT_CROSS_SITE_REPLICATION', 'An accepted cross-site data-loss window is stated, but there is no cross-site replication, so it never applies.', 'spec.acceptedCrossSiteDataLossSeconds');
  if (rep.crossSite === 'sync' && blank(spec.justification))
    add('SYNC_CROSS_SITE_WITHOUT_JUSTIFICATION', 'Synchronous replication across sites makes every commit wait for the other datacenter and stalls writes when the link fails. The decision record makes asynchronous the default across sites unless a context justifies stronger consistency: write the justification.', 'spec.justification');
  if (rep.crossSite === 'sync' && rep.local === 'async')
    add('CROSS_SITE_SYNC_LOCAL_ASYNC', 'Replication is synchronous to the other site but asynchronous locally. That pays the cross-site latency while a local failover can still lose data; usually local should be at least as strong as cross-site.', 'spec.replication.local');

  // --- data ownership
  if (spec.dataOwnership === 'shared')
    add('SHARED_DATABASE', `This context shares one database with other services. That widens the blast radius and couples backup, migration and restore to unrelated services. Prefer a database per service or at least a schema per context${blank(spec.justification) ? ', or write a justification' : ''}.`, 'spec.dataOwnership');

  // --- backups
  if (backup.pitr && !backup.walArchiving)
    add('PITR_WITHOUT_WAL_ARCHIVING', 'Point-in-time recovery is required, but WAL archiving is off: PITR needs the archived WAL between backups. Turn on WAL archiving.', 'spec.backup.walArchiving');
  if (!backup.drillCadenceDays)
    add('DRILL_CADENCE_MISSING', 'No restore-drill cadence is set. A backup that has never been restored in a test is not trustworthy, and without drills Vakt cannot say how long a restore takes. Set drillCadenceDays.', 'spec.backup.drillCadenceDays');
  if (backup.retentionDays * 24 < backup.fullIntervalHours)
    add('RETENTION_SHORTER_THAN_INTERVAL', `Backups are kept ${backup.retentionDays} day(s) but a full backup is taken only every ${backup.fullIntervalHours} h: for part of every cycle no full backup exists. Keep backups longer than the full-backup interval.`, 'spec.backup.retentionDays');
  if (!backup.pitr && rpo !== null && rpoKnown && backup.fullIntervalHours * 3600 > rpo)
    add('BACKUP_INTERVAL_EXCEEDS_RPO_WITHOUT_PITR', `Without point-in-time recovery, restoring after logical corruption or losing every replica loses up to ${fmt(backup.fullIntervalHours * 3600)} of data, above the ${fmt(rpo)} bound of ${spec.rpoClass}. Require PITR or shorten the full-backup interval.`, 'spec.backup.pitr');

  // --- promotion discipline
  if (spec.failover !== 'automatic' && blank(spec.runbook))
    add('RUNBOOK_MISSING', `Failover is ${spec.failover}, so a person promotes the replica, but the promotion runbook is empty. Write the steps (fence the old primary first, which replica, how to verify).`, 'spec.runbook');
  if (spec.approvalsRequired === 1 && spec.failover !== 'manual' && rpo !== null && rpoKnown && rpo <= LINT_THRESHOLDS.strictRpoSeconds)
    add('SINGLE_APPROVAL_STRICT_RPO', `RPO class ${spec.rpoClass} allows at most ${fmt(rpo)} of loss, yet one person may approve a gated promotion. Consider requiring two approvals.`, 'spec.approvalsRequired');
  if (spec.failover !== 'automatic' && rto !== null && rtoKnown && rto <= LINT_THRESHOLDS.humanActionRtoSeconds)
    add('RTO_TOO_TIGHT_FOR_MANUAL', `RTO class ${spec.rtoClass} allows ${fmt(rto)} to recover, but failover is ${spec.failover}: paging a person and following a runbook takes longer. Choose a weaker RTO class or automatic failover.`, 'spec.failover');

  // --- storage (the record: storage durability assumptions must be explicit)
  if (!spec.storage)
    add('STORAGE_ASSUMPTION_MISSING', 'The storage durability assumption is not stated: say what the database disks promise (local-disk, replicated-block, network-storage) so recovery claims can be checked against it.', 'spec.storage');
  else if (spec.storage.durability === 'unknown')
    add('STORAGE_DURABILITY_UNKNOWN', 'The storage durability is "unknown": recovery claims cannot be checked against the storage strategy. Find out what the disks promise and state it.', 'spec.storage.durability');

  return sortFindings(out);
}
