// Live compliance: what is declared for a bounded context versus what its clusters show right now.
// Pure: observations, declarations and `now` come in; findings (source 'live') go out.
// Every code is documented in docs/findings.md.
import { sortFindings, type TFinding, type TFindingSeverity } from '@/lib/findings/types';
import { toMs } from '@/lib/pg';
import { estimateRestore } from '@/lib/readiness/restore-estimate';
import { backupState, evaluateTrust, type TBackupState } from './backup-state';
import { crossSiteReplicaRequired, type TLiveCluster, type TLiveFindingsInput, type TLiveMember } from './live-types';
import { POLICY_FIELDS, policyDifferences, type TPolicyField } from './cluster-policy';

const DEFAULTS = { staleAfterSeconds: 15, storageRiskPercent: 85 };
const STORAGE_CRITICAL_PERCENT = 95;

interface TCtx {
  input: TLiveFindingsInput;
  nowMs: number;
  staleAfterSeconds: number;
  storageRiskPercent: number;
  out: TFinding[];
}

const round = (n: number) => Math.round(n * 10) / 10;

function add(c: TCtx, code: string, severity: TFindingSeverity, message: string, field?: string) {
  c.out.push({ code, severity, message, source: 'live', ...(field ? { field } : {}) });
}

/** Live compliance findings of one context (pure; docs/findings.md). */
export function evaluateLiveCompliance(input: TLiveFindingsInput): TFinding[] {
  const nowMs = toMs(input.now);
  if (nowMs === null) throw new Error('evaluateLiveCompliance: now is not a valid time');
  const c: TCtx = {
    input,
    nowMs,
    staleAfterSeconds: input.config?.staleAfterSeconds ?? DEFAULTS.staleAfterSeconds,
    storageRiskPercent: input.config?.storageRiskPercent ?? DEFAULTS.storageRiskPercent,
    out: [],
  };
  if (input.clusters.length === 0) {
    add(c, 'NOT_OBSERVED', 'info', `No registered cluster holds ${input.context.slug}, so nothing about it is observed yet.`);
  }
  for (const cluster of input.clusters) checkCluster(c, cluster);
  return sortFindings(c.out);
}

function isFresh(c: TCtx, m: TLiveMember): boolean {
  const at = toMs(m.observedAt);
  return at !== null && (c.nowMs - at) / 1000 <= c.staleAfterSeconds;
}

function checkCluster(c: TCtx, cl: TLiveCluster) {
  for (const m of cl.members) checkMemberHealth(c, cl, m);
  const live = cl.members.filter((m) => m.status === 'ok' && isFresh(c, m));
  const primary = live.find((m) => m.role === 'primary') ?? null;
  const replicas = live.filter((m) => m.role === 'replica');

  checkTopology(c, cl, primary, replicas);
  checkLag(c, cl, replicas);
  checkSync(c, cl, primary, replicas);
  checkArchiving(c, cl, primary);
  checkBackups(c, cl);
  checkDurability(c, cl, primary, live);
  checkStorage(c, cl, live);
  checkSharing(c, cl);
  const { spec } = c.input;
  if (cl.kind === 'patroni' && spec.failover !== 'automatic' && cl.patroniPaused !== true) {
    add(
      c,
      'PATRONI_NOT_PAUSED',
      'error',
      `${cl.name} is a Patroni cluster ${cl.patroniPaused === false ? 'that is not paused' : 'whose pause state is unknown'}, but ${c.input.context.slug} declares ${spec.failover} failover: Patroni would fail over on its own. Put it in pause mode.`,
      'spec.failover',
    );
  }
  if (cl.vaktDatabaseHere) {
    add(c, 'VAKT_DB_ON_MANAGED_CLUSTER', 'error', `Vakt's own database runs on ${cl.name}, a cluster Vakt fails over: during an outage Vakt would lose its own state. Move it elsewhere.`);
  }
}

function checkMemberHealth(c: TCtx, cl: TLiveCluster, m: TLiveMember) {
  const at = toMs(m.observedAt);
  if (at === null) {
    add(c, 'AGENT_STALE', 'warning', `${cl.name}/${m.name} has never been observed.`);
  } else if ((c.nowMs - at) / 1000 > c.staleAfterSeconds) {
    add(c, 'AGENT_STALE', 'warning', `The last observation of ${cl.name}/${m.name} is ${round((c.nowMs - at) / 1000)} s old (limit ${c.staleAfterSeconds} s).`);
  }
  if (m.status === 'unknown') {
    add(c, 'NODE_UNKNOWN', 'warning', `The agent for ${cl.name}/${m.name} does not answer or answers garbage${m.error ? ` (${m.error})` : ''}; its state is unknown.`);
  } else if (m.status === 'down') {
    add(c, 'NODE_DOWN', 'warning', `The agent for ${cl.name}/${m.name} answers but PostgreSQL there is not reachable${m.error ? ` (${m.error})` : ''}.`);
  }
}

function checkTopology(c: TCtx, cl: TLiveCluster, primary: TLiveMember | null, replicas: TLiveMember[]) {
  const { spec } = c.input;
  if (cl.members.length <= 1) {
    add(c, 'SINGLE_INSTANCE', 'error', `${cl.name} has a single instance and no replica: one node failure loses ${c.input.context.slug} until a restore.`, 'spec.replication.local');
  } else if (!cl.members.some((m) => m.role === 'replica')) {
    add(c, 'SINGLE_INSTANCE', 'error', `No member of ${cl.name} is currently a replica: ${c.input.context.slug} is served by a single instance.`, 'spec.replication.local');
  }
  if (crossSiteReplicaRequired(c.input)) {
    const primarySite = primary?.site ?? null;
    const crossSite = replicas.filter((r) => primarySite !== null && r.site !== primarySite);
    if (crossSite.length === 0) {
      add(
        c,
        'NO_CROSS_SITE_REPLICA',
        'error',
        primarySite === null
          ? `${c.input.context.slug} requires a cross-site replica, but ${cl.name} has no healthy primary to measure sites against.`
          : `${c.input.context.slug} requires a cross-site replica, but ${cl.name} has no healthy replica outside ${primarySite}.`,
        'spec.crossSite',
      );
    }
  }
}

function checkLag(c: TCtx, cl: TLiveCluster, replicas: TLiveMember[]) {
  const bound = c.input.bounds.rpoBoundSeconds;
  if (bound === null) return; // an unset bound is a lint finding; nothing to measure against
  const measured = replicas.filter((r) => typeof r.lagSeconds === 'number');
  const above = measured.filter((r) => r.lagSeconds! > bound);
  if (above.length === 0) return;
  const best = Math.min(...measured.map((r) => r.lagSeconds!));
  const list = above.map((r) => `${r.name} ${round(r.lagSeconds!)} s${typeof r.lagBytes === 'number' ? ` / ${r.lagBytes} bytes` : ''}`).join(', ');
  const allAbove = above.length === measured.length;
  add(
    c,
    'LAG_ABOVE_RPO',
    allAbove ? 'error' : 'warning',
    `${cl.name}: replication lag above the ${bound} s bound of ${c.input.spec.rpoClass} (${list}).${allAbove ? ` Even the best replica is ${round(best)} s behind: a failover now would lose more than the RPO.` : ''}`,
    'spec.rpoClass',
  );
}

function checkSync(c: TCtx, cl: TLiveCluster, primary: TLiveMember | null, replicas: TLiveMember[]) {
  if (c.input.spec.replication.local !== 'sync' || !primary?.settings) return;
  const names = primary.settings.synchronousStandbyNames.trim();
  const inSync = replicas.filter((r) => r.syncState === 'sync' || r.syncState === 'quorum');
  const commit = primary.settings.synchronousCommit.toLowerCase();
  let problem: string | null = null;
  if (names === '') problem = 'synchronous_standby_names is empty on the primary';
  else if (inSync.length === 0) problem = `no standby is in sync or quorum state (synchronous_standby_names = '${names}')`;
  else if (commit === 'off' || commit === 'local') problem = `synchronous_commit is '${commit}' on the primary, so commits do not wait for the standby`;
  if (problem) {
    add(c, 'SYNC_NOT_EFFECTIVE', 'error', `${c.input.context.slug} declares local synchronous replication, but on ${cl.name} ${problem}.`, 'spec.replication.local');
  }
}

function checkArchiving(c: TCtx, cl: TLiveCluster, primary: TLiveMember | null) {
  const { backup } = c.input.spec;
  if (!(backup.walArchiving || backup.pitr) || !primary) return;
  const field = backup.walArchiving ? 'spec.backup.walArchiving' : 'spec.backup.pitr';
  const mode = primary.settings?.archiveMode?.toLowerCase();
  if (mode === 'off') {
    add(c, 'WAL_ARCHIVING_FAILING', 'error', `WAL archiving (or PITR) is declared, but archive_mode is off on the primary ${cl.name}/${primary.name}.`, field);
    return;
  }
  const a = primary.archiver;
  if (!a) return;
  const lastOk = toMs(a.lastArchivedAt);
  const lastFail = toMs(a.lastFailedAt);
  const rising = typeof primary.previousArchiverFailedCount === 'number' && a.failedCount > primary.previousArchiverFailedCount;
  if ((lastFail !== null && (lastOk === null || lastFail > lastOk)) || rising) {
    const since = lastOk === null ? 'no WAL segment has ever been archived' : `the last successful archive was ${round((c.nowMs - lastOk) / 1000)} s ago`;
    add(
      c,
      'WAL_ARCHIVING_FAILING',
      'error',
      `WAL archiving is failing on ${cl.name}/${primary.name}: ${a.failedCount} failures${a.lastFailedWal ? `, last on ${a.lastFailedWal}` : ''}; ${since}. Point-in-time recovery is falling behind.`,
      field,
    );
  }
}

function checkBackups(c: TCtx, cl: TLiveCluster) {
  const policy = c.input.spec.backup;
  const state = backupState(cl);
  const backups = state.backups.filter((b) => !b.error);
  if (backups.length === 0) {
    const repo = state.repository;
    const why = !repo ? 'no agent reports a backup catalog' : `the catalog holds no backup without errors${repo.code !== 0 || repo.error ? ` (${repo.error ?? repo.message})` : ''}`;
    add(c, 'NO_BACKUP', 'error', `${c.input.context.slug} declares a full backup every ${policy.fullIntervalHours} h, but for ${cl.name} ${why}.`, 'spec.backup.fullIntervalHours');
    checkBackupErrors(c, cl, state);
    return;
  }
  const fullStops = backups.filter((b) => b.type === 'full').map((b) => toMs(b.stoppedAt)).filter((v): v is number => v !== null);
  const newestFull = fullStops.length > 0 ? Math.max(...fullStops) : null;
  const limitMs = policy.fullIntervalHours * 3600 * 1000;
  if (newestFull === null) {
    add(c, 'BACKUP_TOO_OLD', 'error', `${cl.name} has backups but no full backup; the policy asks for one every ${policy.fullIntervalHours} h.`, 'spec.backup.fullIntervalHours');
  } else if (c.nowMs - newestFull > limitMs) {
    const hours = round((c.nowMs - newestFull) / 3600_000);
    add(c, 'BACKUP_TOO_OLD', 'error', `The newest full backup of ${cl.name} finished ${hours} h ago; the policy asks for one every ${policy.fullIntervalHours} h (a failed or aborted backup run shows as this: pgBackRest does not list it).`, 'spec.backup.fullIntervalHours');
  }
  checkBackupErrors(c, cl, state);
  checkRetention(c, cl, state, backups);
  checkTrust(c, cl, state);
}

function checkBackupErrors(c: TCtx, cl: TLiveCluster, state: TBackupState) {
  const bad = state.backups.filter((b) => b.error);
  if (!bad.length) return;
  const restoreUses = state.newest?.error === true;
  add(
    c,
    'BACKUP_HAS_ERRORS',
    restoreUses ? 'error' : 'warning',
    `pgBackRest found page-checksum errors in ${bad.length} backup(s) of ${cl.name}: ${bad.map((b) => b.label).join(', ')}.${restoreUses ? ` A restore now would use ${state.newest!.label}, which holds damaged pages.` : ''} Check the table files on the primary (pg_amcheck) and take a new full backup.`,
  );
}

function checkRetention(c: TCtx, cl: TLiveCluster, state: TBackupState, backups: TBackupState['backups']) {
  const policy = c.input.spec.backup;
  const retentionMs = policy.retentionDays * 86_400_000;
  const oldest = toMs(backups[0].stoppedAt);
  const keptMs = oldest === null ? 0 : c.nowMs - oldest;
  const keepsEnough = keptMs >= retentionMs;
  if (!keepsEnough) {
    add(
      c,
      'RETENTION_BELOW_POLICY',
      'warning',
      `The repository of ${cl.name} reaches back ${round(keptMs / 86_400_000)} days (oldest backup ${backups[0].label}); ${c.input.context.slug} declares ${policy.retentionDays} days of retention. Either pgBackRest expires backups sooner (repo retention) or the repository is younger than that.`,
      'spec.backup.retentionDays',
    );
  }
  if (!policy.pitr) return;
  const w = state.pitr;
  if (w.gap) {
    add(c, 'PITR_WINDOW_SHORT', 'error', `Point-in-time recovery on ${cl.name} is broken: ${w.gap}.`, 'spec.backup.pitr');
    return;
  }
  const start = toMs(w.startAt);
  const end = toMs(w.endAt) ?? c.nowMs;
  if (keepsEnough && start !== null && c.nowMs - start < retentionMs) {
    add(
      c,
      'PITR_WINDOW_SHORT',
      'warning',
      `The PITR window of ${cl.name} covers ${round((end - start) / 86_400_000)} days (from the end of ${w.fromBackup}), shorter than the ${policy.retentionDays} days of retention: older backups' WAL is no longer archived.`,
      'spec.backup.pitr',
    );
  }
}

function checkTrust(c: TCtx, cl: TLiveCluster, state: TBackupState) {
  const policy = c.input.spec.backup;
  const drills = cl.drills ?? [];
  const trust = evaluateTrust(state, drills, policy.drillCadenceDays, c.nowMs, cl.name);
  if (!trust.trusted) {
    add(c, 'BACKUPS_UNTRUSTED', trust.reason === 'drill-failed' ? 'error' : 'warning', `${trust.message}${trust.fix ? ` ${trust.fix}` : ''}`, 'spec.backup.drillCadenceDays');
  }
  const finished = drills.filter((d) => d.finishedAt && ['SUCCEEDED', 'FAILED', 'TIMED_OUT'].includes(d.status)).sort((a, b) => (toMs(b.finishedAt) ?? 0) - (toMs(a.finishedAt) ?? 0));
  const last = finished[0];
  if (last && last.status !== 'SUCCEEDED') {
    add(c, 'DRILL_FAILED', 'warning', `The latest restore drill on ${cl.name} (${last.backupLabel ?? 'newest backup'}${last.external ? ', external' : ''}) ${last.status === 'TIMED_OUT' ? 'timed out' : 'failed'}${last.error ? `: ${last.error}` : ''}.`, 'spec.backup.drillCadenceDays');
  }
  const cadence = policy.drillCadenceDays;
  const lastOk = finished.find((d) => d.status === 'SUCCEEDED');
  const lastOkMs = lastOk ? toMs(lastOk.finishedAt) : null;
  if (cadence && lastOkMs !== null && c.nowMs - lastOkMs > cadence * 86_400_000) {
    add(c, 'DRILL_OVERDUE', 'warning', `The last successful restore drill on ${cl.name} was ${round((c.nowMs - lastOkMs) / 86_400_000)} days ago; ${c.input.context.slug} asks for one every ${cadence} days.`, 'spec.backup.drillCadenceDays');
  }
  const rto = c.input.bounds.rtoBoundSeconds;
  const est = estimateRestore({ drills, sizeBytes: state.newest?.sizeBytes, walToReplayBytes: state.walToReplayBytes });
  if (rto !== null && est.seconds !== null && est.seconds > rto) {
    add(c, 'RESTORE_SLOWER_THAN_RTO', 'warning', `A restore of ${cl.name}'s newest backup is expected to take ${est.seconds} s (${est.basis}), above the ${rto} s bound of ${c.input.spec.rtoClass}.`, 'spec.rtoClass');
  }
}

function checkDurability(c: TCtx, cl: TLiveCluster, primary: TLiveMember | null, live: TLiveMember[]) {
  const { spec, bounds } = c.input;
  const withSettings = live.filter((m) => m.settings);
  const names = (pred: (m: TLiveMember) => boolean) => withSettings.filter(pred).map((m) => m.name).join(', ');
  const problems: string[] = [];
  const fsyncOff = names((m) => m.settings!.fsync === false);
  if (fsyncOff) problems.push(`fsync is off on ${fsyncOff} (a crash can corrupt the database)`);
  const fpwOff = names((m) => m.settings!.fullPageWrites === false);
  if (fpwOff) problems.push(`full_page_writes is off on ${fpwOff} (torn pages after a crash)`);
  const commit = primary?.settings?.synchronousCommit?.toLowerCase();
  if (commit === 'off' && (bounds.rpoBoundSeconds === 0 || spec.replication.local === 'sync')) {
    problems.push(`synchronous_commit is off on the primary ${primary!.name}, yet ${spec.rpoClass} / local ${spec.replication.local} replication is declared`);
  } else if (commit === 'local' && spec.replication.local === 'sync') {
    problems.push(`synchronous_commit is local on the primary ${primary!.name}, yet local synchronous replication is declared`);
  }
  const durability = spec.storage?.durability;
  const checksumsOff = names((m) => m.settings!.dataChecksums === false);
  if (checksumsOff && durability && durability !== 'unknown') {
    problems.push(`data checksums are off on ${checksumsOff}, so silent corruption on ${durability} storage goes undetected`);
  }
  if (problems.length > 0) {
    add(c, 'DURABILITY_CONTRADICTION', 'error', `On ${cl.name}: ${problems.join('; ')}.`, 'spec.storage.durability');
  }
}

function checkStorage(c: TCtx, cl: TLiveCluster, live: TLiveMember[]) {
  for (const m of live) {
    const s = m.storage;
    if (!s || s.totalBytes <= 0) continue;
    const used = ((s.totalBytes - s.freeBytes) / s.totalBytes) * 100;
    if (used > c.storageRiskPercent) {
      add(
        c,
        'STORAGE_RISK',
        used >= STORAGE_CRITICAL_PERCENT ? 'error' : 'warning',
        `${cl.name}/${m.name} storage is ${round(used)}% used (${s.freeBytes} bytes free of ${s.totalBytes}); the risk threshold is ${c.storageRiskPercent}%.`,
      );
    }
  }
}

const POLICY_LABEL: Record<TPolicyField, string> = { rpoClass: 'RPO class', rtoClass: 'RTO class', failover: 'failover mode', crossSite: 'cross-site stance', approvalsRequired: 'approvals' };
const policyValue = (f: TPolicyField, v: unknown): string =>
  f === 'failover' ? `failover ${v}` : f === 'crossSite' ? `cross-site ${v}` : f === 'approvalsRequired' ? `${v} approval${v === 1 ? '' : 's'}` : v === '' ? 'no declaration' : String(v);

function checkSharing(c: TCtx, cl: TLiveCluster) {
  const { spec } = c.input;
  const mixed = cl.otherContexts.map((o) => ({ o, fields: policyDifferences(spec, o) })).filter((m) => m.fields.length > 0);
  if (mixed.length > 0 && !spec.justification?.trim()) {
    const fields = POLICY_FIELDS.filter((f) => mixed.some((m) => m.fields.includes(f)));
    const own = fields.map((f) => policyValue(f, spec[f])).join(', ');
    const others = mixed.map(({ o, fields: fs }) => `${o.slug} (${fs.map((f) => policyValue(f, o[f])).join(', ')})`).join(', ');
    add(
      c,
      'MIXED_CLASSES_WITHOUT_JUSTIFICATION',
      'warning',
      `${cl.name} holds ${c.input.context.slug} (${own}) together with ${others}: one cluster's failover and replication policy serves contexts that differ in ${fields.map((f) => POLICY_LABEL[f]).join(', ')}, and no justification is declared.`,
      'spec.justification',
    );
  }
  if (cl.database !== null && cl.schema !== null) {
    const shared = cl.otherContexts.filter((o) => o.database === cl.database && o.schema === cl.schema);
    if (shared.length > 0) {
      add(
        c,
        'SHARED_DATABASE_SCHEMA',
        'warning',
        `${c.input.context.slug} shares database ${cl.database}, schema ${cl.schema} on ${cl.name} with ${shared.map((o) => o.slug).join(', ')}: their backups, migrations and restores cannot be separated.`,
        'spec.dataOwnership',
      );
    }
  }
}
