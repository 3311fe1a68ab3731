// Inputs of live compliance (docs/findings.md "Live compliance"). Self-contained: adapters
// build these from the registry and the latest observations; the checks read nothing else.
import type { TClusterKind, TInstant, TNodeRole, TNodeStatus } from '@/lib/pg';
import type { TDeclarationSpec } from '@/lib/registry/declaration-schema';

/**
 * A member's backup catalog as live compliance reads it: the part of the agent's report
 * (lib/agent/protocol.ts ZBackupCatalog, which is assignable to it) that the checks use. Declared here
 * because the pure findings import nothing from lib/agent (docs/architecture.md).
 */
export interface TLiveBackupCatalog {
  status: { code: number; message: string };
  backups: Array<{ label: string; type: 'full' | 'diff' | 'incr'; stoppedAt: TInstant; error?: boolean }>;
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
  otherContexts: Array<{ slug: string; rpoClass: string; rpoBoundSeconds: number | null; database: string | null; schema: string | null }>;
  /** Vakt's own DATABASE_URL points at a member of this cluster. */
  vaktDatabaseHere: boolean;
  /** Last successful restore drill of this cluster's backups; undefined = no drill runner reports yet. */
  lastSuccessfulDrillAt?: TInstant | null;
}

export interface TLiveFindingsInput {
  context: { slug: string };
  /** The effective declaration spec (docs/findings.md; the schema is ZDeclarationSpec). */
  spec: TDeclarationSpec;
  bounds: { rpoBoundSeconds: number | null; rtoBoundSeconds: number | null };
  clusters: TLiveCluster[];
  config?: { staleAfterSeconds?: number; storageRiskPercent?: number };
  now: Date | number;
}
