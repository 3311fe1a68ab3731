// Inputs of live compliance (docs/findings.md "Live compliance"). Self-contained: adapters
// build these from the registry and the latest observations; the checks read nothing else.
import type { TClusterKind, TInstant, TNodeRole, TNodeStatus } from '@/lib/pg';
import type { TDeclarationSpec } from '@/lib/registry/declaration-schema';

/**
 * A member's backup catalog as live compliance reads it: the part of the agent's report
 * (lib/agent/protocol.ts ZBackupCatalog, which is assignable to it) that the checks use. Declared here
 * because the pure findings import nothing from lib/agent (docs/architecture.md).
 */
export interface TLiveBackup {
  label: string;
  type: 'full' | 'diff' | 'incr';
  startedAt?: TInstant;
  stoppedAt: TInstant;
  /** page-checksum errors in a completed backup */
  error?: boolean;
  /** the database size restored from it */
  sizeBytes?: number | null;
  repoSizeBytes?: number | null;
  walStart?: string | null;
  walStop?: string | null;
  prior?: string | null;
  reference?: string[] | null;
  databases?: Array<{ name: string; oid: number }> | null;
  dbId?: number | null;
}
export interface TLiveBackupCatalog {
  stanza?: string;
  status: { code: number; message: string };
  backups: TLiveBackup[];
  walArchiveMin?: string | null;
  walArchiveMax?: string | null;
  archives?: Array<{ id: string; dbId: number | null; min: string | null; max: string | null }>;
  backupRunning?: boolean | null;
  error?: string;
  configPath?: string | null;
}

/** A restore drill of the cluster's backups (table RestoreDrill; external runners' results included). */
export interface TLiveDrill {
  id: string;
  status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  external: boolean;
  backupLabel: string | null;
  /** labels of the chain restored, full first (may be empty for external results) */
  backupChain: string[];
  backupSizeBytes: number | null;
  walReplayBytes: number | null;
  restoreSeconds: number | null;
  finishedAt: TInstant | null;
  targetTime?: TInstant | null;
  error?: string | null;
}

export interface TLiveMember {
  name: string;
  site: string;
  /** ok = agent answered and PostgreSQL reachable; down = agent answered, PostgreSQL not; unknown = agent unreachable/garbage. */
  status: TNodeStatus;
  role: TNodeRole;
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
  backups?: TLiveBackupCatalog | null;
  storage?: { totalBytes: number; freeBytes: number } | null;
}

export interface TLiveCluster {
  name: string;
  kind: TClusterKind;
  /** Patroni pause (maintenance) mode; null = unknown. Ignored for vakt-agent clusters. */
  patroniPaused?: boolean | null;
  members: TLiveMember[];
  /** Where this context lives on this cluster. */
  database: string | null;
  schema: string | null;
  /** The other contexts on this cluster. */
  otherContexts: Array<{
    slug: string;
    rpoClass: string;
    rpoBoundSeconds: number | null;
    rtoClass?: string;
    rtoBoundSeconds?: number | null;
    /** the rest of its policy (absent = no declaration: only the RPO class is compared) */
    failover?: TDeclarationSpec['failover'];
    crossSite?: TDeclarationSpec['crossSite'];
    approvalsRequired?: TDeclarationSpec['approvalsRequired'];
    database: string | null;
    schema: string | null;
  }>;
  /** Vakt's own DATABASE_URL points at a member of this cluster. */
  vaktDatabaseHere: boolean;
  /** Restore drills of this cluster's backups, newest first (undefined = none loaded: judged as none). */
  drills?: TLiveDrill[];
  /** The site of the pgBackRest repository (Cluster.backupRepositorySite); null = not declared. */
  backupRepositorySite?: string | null;
  /** Region of every known site (Site.region; null = not set). */
  siteRegions?: Record<string, string | null>;
}

export interface TLiveFindingsInput {
  context: { slug: string };
  /** The effective declaration spec (docs/findings.md; the schema is ZDeclarationSpec). */
  spec: TDeclarationSpec;
  /** a cross-site replica must exist (default: `spec.crossSite === 'required'`; while a proposal is pending, either version's `required`) */
  crossSiteReplicaRequired?: boolean;
  bounds: { rpoBoundSeconds: number | null; rtoBoundSeconds: number | null };
  clusters: TLiveCluster[];
  config?: { staleAfterSeconds?: number; storageRiskPercent?: number };
  now: Date | number;
}

/** Whether a cross-site replica must exist for this input (see `crossSiteReplicaRequired`). */
export const crossSiteReplicaRequired = (input: Pick<TLiveFindingsInput, 'spec' | 'crossSiteReplicaRequired'>): boolean => input.crossSiteReplicaRequired ?? input.spec.crossSite === 'required';
