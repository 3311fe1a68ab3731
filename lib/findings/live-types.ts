// Inputs of live compliance (PRODUCT.md "Findings" — live compliance). Self-contained: adapters
// build these from the registry and the latest observations; the checks read nothing else.
import type { TBackupCatalog } from '@/lib/agent/protocol';

export type TInstant = Date | number | string;

/** The effective declaration spec (PRODUCT.md "Declaration file"). */
export interface TDeclarationSpec {
  dataOwnership: 'database-per-service' | 'schema-per-context' | 'shared';
  rpoClass: string;
  rtoClass: string;
  crossSite: 'required' | 'optional' | 'not-assumed';
  failover: 'automatic' | 'operator-approved' | 'manual';
  replication: { local: 'sync' | 'async'; crossSite: 'sync' | 'async' | 'none' };
  acceptedCrossSiteDataLossSeconds?: number | null;
  approvalsRequired: 1 | 2;
  backup: { fullIntervalHours: number; pitr: boolean; walArchiving: boolean; retentionDays: number; drillCadenceDays: number };
  runbook?: string;
  justification?: string | null;
  storage?: { durability: 'local-disk' | 'replicated-block' | 'network-storage' | 'unknown'; note?: string | null } | null;
}

export interface TLiveMember {
  name: string;
  site: string;
  /** ok = agent answered and PostgreSQL reachable; down = agent answered, PostgreSQL not; unknown = agent unreachable/garbage. */
  status: 'ok' | 'down' | 'unknown';
  role: 'primary' | 'replica' | 'unknown';
  /** When the latest observation was taken; null = never observed. */
  observedAt: TInstant | null;
  error?: string | null;
  /** Replica lag as the primary reports it (pg_stat_replication). */
  lagBytes?: number | null;
  lagSeconds?: number | null;
  /** The replica's sync_state as the primary reports it (sync | quorum | potential | async). */
  syncState?: string | null;
  settings?: {
    synchronousStandbyNames: string;
    synchronousCommit: string;
    archiveMode: string;
    fsync: boolean;
    fullPageWrites: boolean;
    dataChecksums: boolean;
  } | null;
  archiver?: {
    archivedCount: number;
    lastArchivedAt: TInstant | null;
    failedCount: number;
    lastFailedAt: TInstant | null;
    lastFailedWal?: string | null;
  } | null;
  /** failed_count of the previous observation, to see it rising. */
  previousArchiverFailedCount?: number | null;
  backups?: TBackupCatalog | null;
  storage?: { totalBytes: number; freeBytes: number } | null;
}

export interface TLiveCluster {
  name: string;
  kind: 'vakt-agent' | 'patroni';
  /** Patroni pause (maintenance) mode; null = unknown. Ignored for vakt-agent clusters. */
  patroniPaused?: boolean | null;
  members: TLiveMember[];
  /** Where this context lives on this cluster. */
  database: string | null;
  schema: string | null;
  /** The other contexts on this cluster. */
  otherContexts: Array<{ slug: string; rpoClass: string; rpoBoundSeconds: number | null; database: string | null; schema: string | null }>;
  /** Vakt's own DATABASE_URL points at a member of this cluster. */
  vaktDatabaseHere: boolean;
  /** Last successful restore drill of this cluster's backups; undefined = no drill runner reports yet. */
  lastSuccessfulDrillAt?: TInstant | null;
}

export interface TLiveFindingsInput {
  context: { slug: string };
  spec: TDeclarationSpec;
  bounds: { rpoBoundSeconds: number | null; rtoBoundSeconds: number | null };
  clusters: TLiveCluster[];
  config?: { staleAfterSeconds?: number; storageRiskPercent?: number };
  now: Date | number;
}
