import { describe, expect, it } from 'vitest';
import { ZFinding } from '@/lib/findings/types';
import type { TBackupCatalog } from '@/lib/agent/protocol';
import type { TDeclarationSpec } from '@/lib/registry/declaration-schema';
import { declarationSpec } from '@/tests/support/declaration-fixture';
import { evaluateLiveCompliance } from './live-compliance';
import type { TLiveCluster, TLiveDrill, TLiveFindingsInput, TLiveMember } from './live-types';

const NOW = Date.parse('2026-03-20T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();
const H = 3600;

const spec = (p: Partial<TDeclarationSpec> = {}): TDeclarationSpec =>
  declarationSpec({ rpoClass: 'RPO-2', acceptedCrossSiteDataLossSeconds: 60, justification: '', ...p });

const seg = (n: number) => `00000001000000000000${n.toString(16).toUpperCase().padStart(4, '0')}`;
type TCatalogRow = { type: 'full' | 'diff' | 'incr'; stoppedAgo: number; error?: boolean; label?: string; wal?: number };
/** Backups oldest first: labels b0, b1, …; diff/incr follow the previous full; WAL segment i*4+1 unless `wal`; the archive covers all of it. */
const catalog = (backups: TCatalogRow[], archive: { min: number; max: number } | null = { min: 1, max: backups.length * 4 + 2 }): TBackupCatalog => {
  let lastFull: string | null = null;
  return {
    tool: 'pgbackrest',
    stanza: 'main',
    status: { code: backups.length ? 0 : 2, message: backups.length ? 'ok' : 'no valid backups' },
    walArchiveMin: archive ? seg(archive.min) : null,
    walArchiveMax: archive ? seg(archive.max) : null,
    archives: archive ? [{ id: '15-1', dbId: 1, min: seg(archive.min), max: seg(archive.max) }] : [],
    backups: backups.map((b, i) => {
      const label = b.label ?? `b${i}`;
      const prior = b.type === 'full' ? null : lastFull;
      if (b.type === 'full') lastFull = label;
      const w = b.wal ?? i * 4 + 1;
      return { label, type: b.type, startedAt: ago(b.stoppedAgo + 60), stoppedAt: ago(b.stoppedAgo), sizeBytes: 100e6, repoSizeBytes: 1, walStart: seg(w), walStop: seg(w), error: b.error, prior, reference: prior ? [prior] : null, dbId: 1 };
    }),
  };
};
const D = 86400;
const HEALTHY_BACKUPS: TCatalogRow[] = [{ type: 'full', stoppedAgo: 15 * D }, { type: 'full', stoppedAgo: 10 * H }, { type: 'incr', stoppedAgo: 2 * H }];
const drill = (p: Partial<TLiveDrill> = {}): TLiveDrill => ({
  id: 'd1', status: 'SUCCEEDED', external: false, backupLabel: 'b2', backupChain: ['b1', 'b2'], backupSizeBytes: 100e6, walReplayBytes: 0, restoreSeconds: 30, finishedAt: ago(2 * D), ...p,
});

const settings = { synchronousStandbyNames: 'oslo-2', synchronousCommit: 'on', archiveMode: 'on', fsync: true, fullPageWrites: true, dataChecksums: true };
const primary = (p: Partial<TLiveMember> = {}): TLiveMember => ({
  name: 'oslo-1',
  site: 'oslo',
  status: 'ok',
  role: 'primary',
  observedAt: ago(2),
  settings,
  archiver: { archivedCount: 100, lastArchivedAt: ago(30), failedCount: 0, lastFailedAt: null },
  previousArchiverFailedCount: 0,
  backups: catalog(HEALTHY_BACKUPS),
  storage: { totalBytes: 100, freeBytes: 50 },
  ...p,
});
const replica = (name: string, site: string, p: Partial<TLiveMember> = {}): TLiveMember => ({
  name,
  site,
  status: 'ok',
  role: 'replica',
  observedAt: ago(2),
  lagBytes: 0,
  lagSeconds: 0.5,
  syncState: 'async',
  settings,
  backups: null,
  storage: { totalBytes: 100, freeBytes: 50 },
  ...p,
});

const cluster = (p: Partial<TLiveCluster> = {}): TLiveCluster => ({
  name: 'control-main',
  kind: 'vakt-agent',
  patroniPaused: null,
  members: [primary(), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen', { lagSeconds: 3, lagBytes: 4096 })],
  database: 'inventory',
  schema: 'public',
  otherContexts: [],
  vaktDatabaseHere: false,
  drills: [drill()],
  ...p,
});

const input = (p: { spec?: Partial<TDeclarationSpec>; cluster?: Partial<TLiveCluster>; clusters?: TLiveCluster[]; rpo?: number | null; config?: TLiveFindingsInput['config'] } = {}): TLiveFindingsInput => ({
  context: { slug: 'inventory-tenancy' },
  spec: spec(p.spec),
  bounds: { rpoBoundSeconds: p.rpo === undefined ? 60 : p.rpo, rtoBoundSeconds: 900 },
  clusters: p.clusters ?? [cluster(p.cluster)],
  config: p.config,
  now: NOW,
});
const members = (...m: TLiveMember[]) => ({ members: m });

interface Row {
  name: string;
  input: TLiveFindingsInput;
  expect: Array<[code: string, severity: 'error' | 'warning' | 'info']>;
  absent?: string[];
  message?: string;
}

/** A context on the same cluster with the same policy as spec()'s (a row changes one field). */
const billing = { slug: 'billing', rpoClass: 'RPO-2', rpoBoundSeconds: 60, rtoClass: 'RTO-2', rtoBoundSeconds: 900, failover: 'operator-approved' as const, crossSite: 'required' as const, approvalsRequired: 2 as const, database: 'billing', schema: 'public' };
const rows: Row[] = [
  { name: 'compliant cluster: no findings', input: input(), expect: [] },
  { name: 'LAG_ABOVE_RPO: one replica over the bound (warning)', input: input({ rpo: 2 }), expect: [['LAG_ABOVE_RPO', 'warning']], message: 'bergen-1 3 s / 4096 bytes' },
  { name: 'LAG_ABOVE_RPO: every replica over the bound (error)', input: input({ rpo: 0 }), expect: [['LAG_ABOVE_RPO', 'error']], message: 'Even the best replica is 0.5 s behind' },
  { name: 'LAG_ABOVE_RPO: unset bound measures nothing', input: input({ rpo: null }), expect: [], absent: ['LAG_ABOVE_RPO'] },
  {
    name: 'NO_CROSS_SITE_REPLICA: required but every replica in the primary site',
    input: input({ cluster: members(primary(), replica('oslo-2', 'oslo', { syncState: 'sync' })) }),
    expect: [['NO_CROSS_SITE_REPLICA', 'error']],
  },
  {
    name: 'NO_CROSS_SITE_REPLICA: optional stance does not require one',
    input: input({ spec: { crossSite: 'optional' }, cluster: members(primary(), replica('oslo-2', 'oslo', { syncState: 'sync' })) }),
    expect: [],
  },
  {
    name: 'NO_CROSS_SITE_REPLICA: the cross-site replica is unreachable',
    input: input({ cluster: members(primary(), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen', { status: 'unknown' })) }),
    expect: [['NO_CROSS_SITE_REPLICA', 'error'], ['NODE_UNKNOWN', 'warning']],
  },
  {
    name: 'SINGLE_INSTANCE: one member, no replica',
    input: input({ spec: { crossSite: 'optional', replication: { local: 'async', crossSite: 'none' } }, cluster: members(primary()) }),
    expect: [['SINGLE_INSTANCE', 'error']],
  },
  { name: 'SYNC_NOT_EFFECTIVE: synchronous_standby_names empty', input: input({ cluster: members(primary({ settings: { ...settings, synchronousStandbyNames: '' } }), replica('oslo-2', 'oslo', { syncState: 'async' }), replica('bergen-1', 'bergen')) }), expect: [['SYNC_NOT_EFFECTIVE', 'error']] },
  { name: 'SYNC_NOT_EFFECTIVE: names set but no standby in sync/quorum', input: input({ cluster: members(primary(), replica('oslo-2', 'oslo', { syncState: 'potential' }), replica('bergen-1', 'bergen')) }), expect: [['SYNC_NOT_EFFECTIVE', 'error']], message: "synchronous_standby_names = 'oslo-2'" },
  { name: 'SYNC_NOT_EFFECTIVE: quorum standby counts as sync', input: input({ cluster: members(primary(), replica('oslo-2', 'oslo', { syncState: 'quorum' }), replica('bergen-1', 'bergen')) }), expect: [] },
  { name: 'SYNC_NOT_EFFECTIVE: not checked for declared async', input: input({ spec: { replication: { local: 'async', crossSite: 'async' } }, cluster: members(primary({ settings: { ...settings, synchronousStandbyNames: '' } }), replica('bergen-1', 'bergen')) }), expect: [] },
  { name: 'WAL_ARCHIVING_FAILING: last failure newer than last success', input: input({ cluster: members(primary({ archiver: { archivedCount: 5, lastArchivedAt: ago(600), failedCount: 3, lastFailedAt: ago(10), lastFailedWal: '000000010000000000000007' } }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [['WAL_ARCHIVING_FAILING', 'error']], message: '000000010000000000000007' },
  { name: 'WAL_ARCHIVING_FAILING: failed count rising', input: input({ cluster: members(primary({ archiver: { archivedCount: 5, lastArchivedAt: ago(5), failedCount: 4, lastFailedAt: ago(60) }, previousArchiverFailedCount: 3 }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [['WAL_ARCHIVING_FAILING', 'error']] },
  { name: 'WAL_ARCHIVING_FAILING: old recovered failure is not a finding', input: input({ cluster: members(primary({ archiver: { archivedCount: 5, lastArchivedAt: ago(5), failedCount: 4, lastFailedAt: ago(3600) }, previousArchiverFailedCount: 4 }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [] },
  { name: 'WAL_ARCHIVING_FAILING: archive_mode off while PITR declared', input: input({ cluster: members(primary({ settings: { ...settings, archiveMode: 'off' } }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [['WAL_ARCHIVING_FAILING', 'error']], message: 'archive_mode is off' },
  { name: 'WAL_ARCHIVING_FAILING: archive_mode off is fine without PITR or archiving', input: input({ spec: { backup: { fullIntervalHours: 24, pitr: false, walArchiving: false, retentionDays: 7, drillCadenceDays: 30 } }, cluster: members(primary({ settings: { ...settings, archiveMode: 'off' } }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [] },
  { name: 'BACKUP_TOO_OLD: newest full older than the interval', input: input({ cluster: members(primary({ backups: catalog([{ type: 'full', stoppedAgo: 15 * D }, { type: 'full', stoppedAgo: 30 * H }, { type: 'incr', stoppedAgo: H }]) }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [['BACKUP_TOO_OLD', 'error']], message: '30 h ago' },
  { name: 'BACKUP_TOO_OLD: a failed newer full does not count', input: input({ cluster: members(primary({ backups: catalog([{ type: 'full', stoppedAgo: 15 * D }, { type: 'full', stoppedAgo: 30 * H }, { type: 'full', stoppedAgo: H, error: true }]) }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [['BACKUP_TOO_OLD', 'error'], ['BACKUP_HAS_ERRORS', 'error']] },
  { name: 'BACKUP_TOO_OLD: only incremental backups', input: input({ cluster: members(primary({ backups: catalog([{ type: 'incr', stoppedAgo: 15 * D }, { type: 'incr', stoppedAgo: H }]) }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [['BACKUP_TOO_OLD', 'error']] },
  { name: 'NO_BACKUP: catalog empty', input: input({ cluster: members(primary({ backups: catalog([]) }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [['NO_BACKUP', 'error']], absent: ['BACKUPS_UNTRUSTED'] },
  { name: 'NO_BACKUP: no catalog reported at all', input: input({ cluster: members(primary({ backups: null }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [['NO_BACKUP', 'error']] },
  { name: 'BACKUPS_UNTRUSTED: never drilled (warning)', input: input({ cluster: { drills: [] } }), expect: [['BACKUPS_UNTRUSTED', 'warning']], message: 'No restore drill has proven' },
  { name: 'BACKUPS_UNTRUSTED: no drill information loaded counts as none', input: input({ cluster: { drills: undefined } }), expect: [['BACKUPS_UNTRUSTED', 'warning']] },
  { name: 'BACKUPS_UNTRUSTED + DRILL_OVERDUE: last drill of the chain older than the cadence', input: input({ cluster: { drills: [drill({ finishedAt: ago(10 * D) })] } }), expect: [['BACKUPS_UNTRUSTED', 'warning'], ['DRILL_OVERDUE', 'warning']], message: '10 days ago' },
  { name: 'BACKUPS_UNTRUSTED: the drill proved an older chain only', input: input({ cluster: { drills: [drill({ backupLabel: 'b0', backupChain: ['b0'] })] } }), expect: [['BACKUPS_UNTRUSTED', 'warning']], message: 'not the chain a restore would use now (b1 → b2)' },
  { name: 'trusted: a drill of the full only does not prove its incremental', input: input({ cluster: { drills: [drill({ backupLabel: 'b1', backupChain: ['b1'] })] } }), expect: [['BACKUPS_UNTRUSTED', 'warning']] },
  { name: 'trusted: an external result of the newest backup (chain from the catalog)', input: input({ cluster: { drills: [drill({ external: true, backupChain: [] })] } }), expect: [] },
  { name: 'trusted: a drill of a later backup of the same chain', input: input({ cluster: { drills: [drill({ backupLabel: 'b3', backupChain: ['b1', 'b2', 'b3'] })] } }), expect: [] },
  { name: 'BACKUPS_UNTRUSTED error + DRILL_FAILED: the chain a restore would use failed its latest drill', input: input({ cluster: { drills: [drill({ id: 'd2', status: 'FAILED', finishedAt: ago(D), error: 'restore exited 1' }), drill()] } }), expect: [['BACKUPS_UNTRUSTED', 'error'], ['DRILL_FAILED', 'warning']], message: 'restore exited 1' },
  { name: 'DRILL_FAILED: a failed drill of an older backup leaves the chain trusted', input: input({ cluster: { drills: [drill({ id: 'd2', status: 'TIMED_OUT', backupLabel: 'b0', backupChain: ['b0'], finishedAt: ago(D) }), drill()] } }), expect: [['DRILL_FAILED', 'warning']], message: 'timed out' },
  { name: 'drills running or aborted are not results', input: input({ cluster: { drills: [drill({ id: 'd3', status: 'RUNNING', finishedAt: null }), drill({ id: 'd2', status: 'ABORTED', finishedAt: ago(60) }), drill()] } }), expect: [] },
  { name: 'no cadence (null): any successful drill of the chain counts', input: input({ spec: { backup: { fullIntervalHours: 24, pitr: true, walArchiving: true, retentionDays: 14, drillCadenceDays: null } }, cluster: { drills: [drill({ finishedAt: ago(400 * D) })] } }), expect: [] },
  { name: 'BACKUP_HAS_ERRORS: an older backup with page errors (warning)', input: input({ cluster: { ...members(primary({ backups: catalog([{ type: 'full', stoppedAgo: 15 * D }, { type: 'full', stoppedAgo: 12 * H, error: true }, { type: 'full', stoppedAgo: 10 * H, label: 'b2' }, { type: 'incr', stoppedAgo: 2 * H, label: 'b3' }]) }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')), drills: [drill({ backupLabel: 'b3', backupChain: ['b2', 'b3'] })] } }), expect: [['BACKUP_HAS_ERRORS', 'warning']], message: 'b1' },
  { name: 'BACKUP_HAS_ERRORS: the backup a restore would use has page errors (error)', input: input({ cluster: members(primary({ backups: catalog([{ type: 'full', stoppedAgo: 15 * D }, { type: 'full', stoppedAgo: 10 * H }, { type: 'incr', stoppedAgo: 2 * H, error: true }]) }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [['BACKUP_HAS_ERRORS', 'error']], message: 'A restore now would use b2' },
  { name: 'RETENTION_BELOW_POLICY: the repository reaches back less than the retention', input: input({ cluster: members(primary({ backups: catalog([{ type: 'full', stoppedAgo: 3 * D }, { type: 'full', stoppedAgo: 10 * H }, { type: 'incr', stoppedAgo: 2 * H }]) }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [['RETENTION_BELOW_POLICY', 'warning']], message: 'reaches back 3 days' },
  { name: 'PITR_WINDOW_SHORT: the archive no longer holds the oldest backup\'s WAL (warning)', input: input({ cluster: members(primary({ backups: catalog(HEALTHY_BACKUPS, { min: 4, max: 14 }) }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [['PITR_WINDOW_SHORT', 'warning']], message: 'from the end of b1' },
  { name: 'PITR_WINDOW_SHORT: the newest backup\'s WAL is not in the archive (error)', input: input({ cluster: members(primary({ backups: catalog(HEALTHY_BACKUPS, { min: 1, max: 6 }) }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [['PITR_WINDOW_SHORT', 'error']], message: 'is not in the archive 15-1' },
  { name: 'PITR_WINDOW_SHORT: nothing archived (error)', input: input({ cluster: members(primary({ backups: catalog(HEALTHY_BACKUPS, null) }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [['PITR_WINDOW_SHORT', 'error']], message: 'no WAL is archived' },
  { name: 'PITR_WINDOW_SHORT: not judged without declared PITR', input: input({ spec: { backup: { fullIntervalHours: 24, pitr: false, walArchiving: false, retentionDays: 14, drillCadenceDays: 7 } }, cluster: members(primary({ backups: catalog(HEALTHY_BACKUPS, null) }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [] },
  { name: 'RESTORE_SLOWER_THAN_RTO: measured drills scale above the RTO bound', input: input({ cluster: { drills: [drill({ restoreSeconds: 1200 })] } }), expect: [['RESTORE_SLOWER_THAN_RTO', 'warning']], message: 'expected to take 2206.6 s (1 drill(s) (latest b2: 100 MB in 1200 s), median 0.1 MB/s; now 100 MB backup + 83.9 MB WAL to replay)' },
  { name: 'DURABILITY_CONTRADICTION: fsync off on a replica', input: input({ cluster: members(primary(), replica('oslo-2', 'oslo', { syncState: 'sync', settings: { ...settings, fsync: false } }), replica('bergen-1', 'bergen')) }), expect: [['DURABILITY_CONTRADICTION', 'error']], message: 'fsync is off on oslo-2' },
  { name: 'DURABILITY_CONTRADICTION: full_page_writes off', input: input({ cluster: members(primary({ settings: { ...settings, fullPageWrites: false } }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [['DURABILITY_CONTRADICTION', 'error']] },
  { name: 'DURABILITY_CONTRADICTION: synchronous_commit off under RPO-0', input: input({ rpo: 0, spec: { replication: { local: 'async', crossSite: 'async' } }, cluster: members(primary({ settings: { ...settings, synchronousCommit: 'off' } }), replica('oslo-2', 'oslo', { lagSeconds: 0 }), replica('bergen-1', 'bergen', { lagSeconds: 0 })) }), expect: [['DURABILITY_CONTRADICTION', 'error']] },
  { name: 'DURABILITY_CONTRADICTION: synchronous_commit off is fine for async RPO-2', input: input({ spec: { replication: { local: 'async', crossSite: 'async' } }, cluster: members(primary({ settings: { ...settings, synchronousCommit: 'off' } }), replica('oslo-2', 'oslo'), replica('bergen-1', 'bergen')) }), expect: [] },
  { name: 'DURABILITY_CONTRADICTION: synchronous_commit local with declared sync', input: input({ cluster: members(primary({ settings: { ...settings, synchronousCommit: 'local' } }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [['DURABILITY_CONTRADICTION', 'error'], ['SYNC_NOT_EFFECTIVE', 'error']] },
  { name: 'DURABILITY_CONTRADICTION: checksums off with a durability claim', input: input({ cluster: members(primary({ settings: { ...settings, dataChecksums: false } }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [['DURABILITY_CONTRADICTION', 'error']], message: 'data checksums are off on oslo-1' },
  { name: 'DURABILITY_CONTRADICTION: checksums off without a stated durability is not one', input: input({ spec: { storage: undefined }, cluster: members(primary({ settings: { ...settings, dataChecksums: false } }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [] },
  { name: 'STORAGE_RISK: above the threshold (warning)', input: input({ cluster: members(primary({ storage: { totalBytes: 100, freeBytes: 10 } }), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen')) }), expect: [['STORAGE_RISK', 'warning']], message: '90% used' },
  { name: 'STORAGE_RISK: 97% used (error)', input: input({ cluster: members(primary(), replica('oslo-2', 'oslo', { syncState: 'sync', storage: { totalBytes: 100, freeBytes: 3 } }), replica('bergen-1', 'bergen')) }), expect: [['STORAGE_RISK', 'error']] },
  { name: 'STORAGE_RISK: custom threshold flags every member at 50%', input: input({ config: { storageRiskPercent: 40 } }), expect: [['STORAGE_RISK', 'warning'], ['STORAGE_RISK', 'warning'], ['STORAGE_RISK', 'warning']] },
  { name: 'AGENT_STALE: observation older than staleAfter', input: input({ cluster: members(primary(), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen', { observedAt: ago(120) })) }), expect: [['AGENT_STALE', 'warning'], ['NO_CROSS_SITE_REPLICA', 'error']], message: '120 s old' },
  { name: 'AGENT_STALE: never observed', input: input({ cluster: members(primary(), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen'), replica('bergen-2', 'bergen', { observedAt: null })) }), expect: [['AGENT_STALE', 'warning']] },
  { name: 'NODE_UNKNOWN: agent unreachable', input: input({ cluster: members(primary(), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen'), replica('bergen-2', 'bergen', { status: 'unknown', error: 'timeout after 3000 ms' })) }), expect: [['NODE_UNKNOWN', 'warning']], message: 'timeout after 3000 ms' },
  { name: 'NODE_DOWN: agent up, PostgreSQL down', input: input({ cluster: members(primary(), replica('oslo-2', 'oslo', { syncState: 'sync' }), replica('bergen-1', 'bergen'), replica('bergen-2', 'bergen', { status: 'down' })) }), expect: [['NODE_DOWN', 'warning']] },
  { name: 'PATRONI_NOT_PAUSED: operator-approved context on an unpaused Patroni cluster', input: input({ cluster: { kind: 'patroni', patroniPaused: false } }), expect: [['PATRONI_NOT_PAUSED', 'error']] },
  { name: 'PATRONI_NOT_PAUSED: pause state unknown counts as not paused', input: input({ cluster: { kind: 'patroni', patroniPaused: null } }), expect: [['PATRONI_NOT_PAUSED', 'error']] },
  { name: 'PATRONI_NOT_PAUSED: paused is fine', input: input({ cluster: { kind: 'patroni', patroniPaused: true } }), expect: [] },
  { name: 'PATRONI_NOT_PAUSED: automatic failover may let Patroni act', input: input({ spec: { failover: 'automatic' }, cluster: { kind: 'patroni', patroniPaused: false } }), expect: [] },
  { name: 'VAKT_DB_ON_MANAGED_CLUSTER', input: input({ cluster: { vaktDatabaseHere: true } }), expect: [['VAKT_DB_ON_MANAGED_CLUSTER', 'error']] },
  { name: 'MIXED_CLASSES_WITHOUT_JUSTIFICATION', input: input({ cluster: { otherContexts: [{ slug: 'audit-history', rpoClass: 'RPO-4', rpoBoundSeconds: 86400, database: 'audit', schema: 'public' }] } }), expect: [['MIXED_CLASSES_WITHOUT_JUSTIFICATION', 'warning']], message: 'audit-history (RPO-4)' },
  { name: 'MIXED_CLASSES_WITHOUT_JUSTIFICATION: the same policy everywhere is not mixed', input: input({ cluster: { otherContexts: [{ ...billing }] } }), expect: [] },
  { name: 'MIXED_CLASSES_WITHOUT_JUSTIFICATION: RTO class differs', input: input({ cluster: { otherContexts: [{ ...billing, rtoClass: 'RTO-4', rtoBoundSeconds: 86400 }] } }), expect: [['MIXED_CLASSES_WITHOUT_JUSTIFICATION', 'warning']], message: 'holds inventory-tenancy (RTO-2) together with billing (RTO-4): one cluster\'s failover and replication policy serves contexts that differ in RTO class' },
  { name: 'MIXED_CLASSES_WITHOUT_JUSTIFICATION: failover mode differs', input: input({ cluster: { otherContexts: [{ ...billing, failover: 'automatic' }] } }), expect: [['MIXED_CLASSES_WITHOUT_JUSTIFICATION', 'warning']], message: '(failover operator-approved) together with billing (failover automatic): one cluster\'s failover and replication policy serves contexts that differ in failover mode' },
  { name: 'MIXED_CLASSES_WITHOUT_JUSTIFICATION: cross-site stance differs', input: input({ cluster: { otherContexts: [{ ...billing, crossSite: 'not-assumed' }] } }), expect: [['MIXED_CLASSES_WITHOUT_JUSTIFICATION', 'warning']], message: '(cross-site required) together with billing (cross-site not-assumed): one cluster\'s failover and replication policy serves contexts that differ in cross-site stance' },
  { name: 'MIXED_CLASSES_WITHOUT_JUSTIFICATION: approvals differ', input: input({ cluster: { otherContexts: [{ ...billing, approvalsRequired: 1 }] } }), expect: [['MIXED_CLASSES_WITHOUT_JUSTIFICATION', 'warning']], message: '(2 approvals) together with billing (1 approval): one cluster\'s failover and replication policy serves contexts that differ in approvals' },
  { name: 'MIXED_CLASSES_WITHOUT_JUSTIFICATION: several differences and contexts, each named', input: input({ cluster: { otherContexts: [{ ...billing, rpoClass: 'RPO-4', rpoBoundSeconds: 86400, failover: 'automatic' }, { ...billing, slug: 'audit', database: 'audit', approvalsRequired: 1 }] } }), expect: [['MIXED_CLASSES_WITHOUT_JUSTIFICATION', 'warning']], message: 'holds inventory-tenancy (RPO-2, failover operator-approved, 2 approvals) together with billing (RPO-4, failover automatic), audit (1 approval): one cluster\'s failover and replication policy serves contexts that differ in RPO class, failover mode, approvals, and no justification is declared.' },
  { name: 'MIXED_CLASSES_WITHOUT_JUSTIFICATION: a justification covers every kind of difference', input: input({ spec: { justification: 'Billing shares the cluster; the inventory policy applies to both.' }, cluster: { otherContexts: [{ ...billing, rtoClass: 'RTO-4', failover: 'automatic', crossSite: 'optional', approvalsRequired: 1 }] } }), expect: [] },
  { name: 'MIXED_CLASSES_WITHOUT_JUSTIFICATION: justified', input: input({ spec: { justification: 'Audit shares the cluster until Q3; inventory policy applies to both.' }, cluster: { otherContexts: [{ slug: 'audit-history', rpoClass: 'RPO-4', rpoBoundSeconds: 86400, database: 'audit', schema: 'public' }] } }), expect: [] },
  { name: 'SHARED_DATABASE_SCHEMA', input: input({ cluster: { otherContexts: [{ slug: 'billing', rpoClass: 'RPO-2', rpoBoundSeconds: 60, database: 'inventory', schema: 'public' }] } }), expect: [['SHARED_DATABASE_SCHEMA', 'warning']], absent: ['MIXED_CLASSES_WITHOUT_JUSTIFICATION'] },
  { name: 'SHARED_DATABASE_SCHEMA: same database, own schema is fine', input: input({ cluster: { otherContexts: [{ slug: 'billing', rpoClass: 'RPO-2', rpoBoundSeconds: 60, database: 'inventory', schema: 'billing' }] } }), expect: [] },
  { name: 'NOT_OBSERVED: no cluster holds the context', input: input({ clusters: [] }), expect: [['NOT_OBSERVED', 'info']] },
];

describe('evaluateLiveCompliance', () => {
  it.each(rows)('$name', (row) => {
    const findings = evaluateLiveCompliance(row.input);
    for (const f of findings) expect(ZFinding.parse(f)).toEqual(f);
    expect(findings.every((f) => f.source === 'live')).toBe(true);
    const got = findings.map((f) => [f.code, f.severity]);
    // Exactly the expected findings: nothing more (a finding nobody expected is a regression too).
    expect(got.sort()).toEqual([...row.expect].sort());
    for (const code of row.absent ?? []) expect(findings.map((f) => f.code)).not.toContain(code);
    if (row.message) expect(findings.map((f) => f.message).join('\n')).toContain(row.message);
  });

  it('sorts errors first and names the cluster in every message', () => {
    const findings = evaluateLiveCompliance(input({ rpo: 2, cluster: { vaktDatabaseHere: true, drills: [] } }));
    expect(findings.map((f) => f.severity)).toEqual(['error', 'warning', 'warning']);
    expect(findings.every((f) => f.message.includes('control-main'))).toBe(true);
  });

  it('reports each cluster holding the context', () => {
    const findings = evaluateLiveCompliance(input({ clusters: [cluster({ name: 'a', vaktDatabaseHere: true }), cluster({ name: 'b', vaktDatabaseHere: true })] }));
    expect(findings.map((f) => f.code)).toEqual(['VAKT_DB_ON_MANAGED_CLUSTER', 'VAKT_DB_ON_MANAGED_CLUSTER']);
    expect(findings.map((f) => f.message.split(',')[0])).toEqual(["Vakt's own database runs on a", "Vakt's own database runs on b"]);
  });
});
