import { z } from 'zod';
import { ZLsn } from '../pg/lsn.ts';
import { ZNodeRole } from '../pg/vocabulary.ts';

// Agent protocol v1 (docs/agent-protocol.md). This file is the one truth for both sides:
// the agent builds its answers with these schemas and the poller validates every answer with them.
// LSNs and roles are lib/pg's words (the agent imports lib/pg relatively: it is bundled on its own).
export const AGENT_PROTOCOL = 'vakt.agent/v1';

export const ZReplicationPeer = z.object({
  applicationName: z.string(),
  clientAddr: z.string().nullable(),
  state: z.string().nullable(),
  syncState: z.string().nullable(),
  sentLsn: ZLsn.nullable(),
  writeLsn: ZLsn.nullable(),
  flushLsn: ZLsn.nullable(),
  replayLsn: ZLsn.nullable(),
  writeLagSeconds: z.number().nullable(),
  flushLagSeconds: z.number().nullable(),
  replayLagSeconds: z.number().nullable(),
  replayLagBytes: z.number().nullable(),
});

export const ZWalReceiver = z.object({
  status: z.string().nullable(),
  senderHost: z.string().nullable(),
  senderPort: z.number().nullable(),
  receivedTimeline: z.number().int().nullable(),
  flushedLsn: ZLsn.nullable(),
  lastMsgReceiptTime: z.string().nullable(),
  slotName: z.string().nullable(),
});

export const ZArchiver = z.object({
  archivedCount: z.number().int(),
  lastArchivedWal: z.string().nullable(),
  lastArchivedAt: z.string().nullable(),
  failedCount: z.number().int(),
  lastFailedWal: z.string().nullable(),
  lastFailedAt: z.string().nullable(),
});

/** One role and/or database setting of synchronous_commit (pg_db_role_setting); null role/database = all. */
export const ZSynchronousCommitOverride = z.object({ role: z.string().nullable(), database: z.string().nullable(), value: z.string() });

export const ZPgSettings = z.object({
  synchronousStandbyNames: z.string(),
  /** The server setting when the agent could determine it (serverSynchronousCommit), else its own session's value (older agents: always the session's). */
  synchronousCommit: z.string(),
  /**
   * The server's synchronous_commit (configuration file, ALTER SYSTEM, command line or default), never
   * changed by the agent's own role/database/connection settings. Null = could not be determined;
   * absent = older agent. Only this field is trusted for sync coverage.
   */
  serverSynchronousCommit: z.string().nullable().optional(),
  /** Every role/database override of synchronous_commit (pg_db_role_setting). Null = not readable; absent = older agent. */
  synchronousCommitOverrides: z.array(ZSynchronousCommitOverride).nullable().optional(),
  archiveMode: z.string(),
  archiveCommand: z.string().nullable().optional(),
  fsync: z.boolean(),
  fullPageWrites: z.boolean(),
  dataChecksums: z.boolean(),
  walLevel: z.string().optional(),
  /** pg_rewind needs wal_log_hints or data checksums */
  walLogHints: z.boolean().optional(),
  /** the server's port, for the exact rejoin command (pg_rewind / pg_basebackup --source-server) */
  port: z.number().int().nullable().optional(),
});

export const ZDatabaseSize = z.object({ name: z.string(), bytes: z.number() });

/** pgBackRest `info --output=json`, normalised. */
export const ZBackup = z.object({
  label: z.string(),
  type: z.enum(['full', 'diff', 'incr']),
  startedAt: z.string(),
  stoppedAt: z.string(),
  sizeBytes: z.number().nullable(),
  repoSizeBytes: z.number().nullable(),
  walStart: z.string().nullable(),
  walStop: z.string().nullable(),
  lsnStart: z.string().nullable().optional(),
  lsnStop: z.string().nullable().optional(),
  error: z.boolean().optional(),
  /** the backup this one is based on (diff/incr; null for full) and every backup it references (full first) */
  prior: z.string().nullable().optional(),
  reference: z.array(z.string()).nullable().optional(),
  /** the databases in the backup, when pgBackRest lists them */
  databases: z.array(z.object({ name: z.string(), oid: z.number() })).nullable().optional(),
  /** pgBackRest's database history id the backup belongs to (matches an archive's dbId) */
  dbId: z.number().int().nullable().optional(),
});
/** One WAL archive range of the repository (pgBackRest keeps one per database history id, e.g. "15-1"). */
const ZBackupArchive = z.object({ id: z.string(), dbId: z.number().int().nullable(), min: z.string().nullable(), max: z.string().nullable() });
export const ZBackupCatalog = z.object({
  tool: z.literal('pgbackrest'),
  stanza: z.string(),
  status: z.object({ code: z.number().int(), message: z.string() }),
  walArchiveMin: z.string().nullable(),
  walArchiveMax: z.string().nullable(),
  backups: z.array(ZBackup),
  error: z.string().optional(),
  /** every archive range (the PITR window; several after a stanza upgrade) */
  archives: z.array(ZBackupArchive).optional(),
  /** a backup is running right now (pgBackRest status.lock.backup.held) */
  backupRunning: z.boolean().nullable().optional(),
  /** each repository's own status (multi-repository setups) */
  repos: z.array(z.object({ key: z.number().int(), status: z.object({ code: z.number().int(), message: z.string() }) })).optional(),
  /** the pgBackRest config file the agent passes (--config), for restore commands; null = the default */
  configPath: z.string().nullable().optional(),
});

/**
 * Where a stopped node's WAL ends, proven on its disk (issue "Exact data loss"): after a clean shutdown
 * pg_controldata's state and shutdown checkpoint; after a crash the end of valid WAL in pg_wal
 * (pg_waldump). `lsn` is the end of the last valid record: a replica that received everything holds
 * exactly this position. Only reported when no postmaster can be running on the data directory.
 */
export const ZFinalPosition = z.object({
  basis: z.enum(['clean-shutdown', 'crash-wal-end']),
  lsn: ZLsn,
  timeline: z.number().int().min(1).nullable(),
  /** short human text, e.g. "clean shutdown at 0/9000028 (pg_controldata)" */
  proof: z.string(),
});
export type TFinalPosition = z.infer<typeof ZFinalPosition>;

/**
 * What the agent knows of a PostgreSQL it cannot query. `postmasterRunning`: a live postmaster holds
 * the data directory (postmaster.pid with a live pid) — true or null means no final position can be
 * proven (it may still write). `finalPosition` null: not proven (`error` says why).
 */
export const ZStoppedState = z.object({
  postmasterRunning: z.boolean().nullable(),
  finalPosition: ZFinalPosition.nullable(),
  error: z.string().optional(),
});

/** Where other nodes can stream WAL from this node (replication connections): host and port as a peer reaches them. */
export const ZReplicationAddress = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) });

export const ZPostgresStatus = z.object({
  reachable: z.boolean(),
  error: z.string().optional(),
  serverVersion: z.string().nullable().optional(),
  systemIdentifier: z.string().nullable().optional(),
  role: ZNodeRole,
  timeline: z.number().int().nullable().optional(),
  currentLsn: ZLsn.nullable().optional(),
  receiveLsn: ZLsn.nullable().optional(),
  replayLsn: ZLsn.nullable().optional(),
  lastReplayAt: z.string().nullable().optional(),
  walReceiver: ZWalReceiver.nullable().optional(),
  replication: z.array(ZReplicationPeer).optional(),
  archiver: ZArchiver.nullable().optional(),
  settings: ZPgSettings.nullable().optional(),
  databases: z.array(ZDatabaseSize).optional(),
  /** Only when reachable is false: the stopped server's proven final position (absent = older agent). */
  stopped: ZStoppedState.nullable().optional(),
});

export const ZFencing = z.object({
  epoch: z.number().int().min(0),
  fenced: z.boolean(),
  since: z.string().nullable().optional(),
  reason: z.string().nullable().optional(),
  /**
   * Set when the agent's state file is missing or unreadable while the data directory carries its
   * fence marker: the node is reported fenced (at the marker's epoch) and promote/unfence are refused
   * until an operator resolves it. Absent = consistent (or an older agent).
   */
  inconsistency: z.string().optional(),
});

/**
 * The longest a call can take on this agent, from its own settings (whole seconds, rounded up): Vakt
 * derives its HTTP timeouts for fence and promote from these, never shorter. Absent = older agent.
 */
export const ZAgentTimeouts = z.object({
  fenceSeconds: z.number().int().min(1),
  promoteSeconds: z.number().int().min(1),
  /** WAL salvage: the longest POST /v1/standby / POST /v1/upstream can take (absent = older agent) */
  standbySeconds: z.number().int().min(1).optional(),
  upstreamSeconds: z.number().int().min(1).optional(),
  /** switchover / rejoin: the longest POST /v1/follow and POST /v1/resume can take (absent = older agent) */
  followSeconds: z.number().int().min(1).optional(),
  resumeSeconds: z.number().int().min(1).optional(),
});

export const ZAgentStatus = z.object({
  protocol: z.literal(AGENT_PROTOCOL),
  agent: z.object({ name: z.string(), version: z.string(), startedAt: z.string() }),
  collectedAt: z.string(),
  // dataDirectory and pgBin (from the agent's configuration) make the rejoin commands exact
  node: z.object({
    name: z.string(),
    site: z.string(),
    dataDirectory: z.string().optional(),
    pgBin: z.string().optional(),
    /** where peers stream WAL from this node (WAL salvage); absent = not configured */
    replicationAddress: ZReplicationAddress.optional(),
    /** POST /v1/follow can point this node at another one (VAKT_AGENT_REPLICATION_CONNINFO set); absent = an older agent */
    canFollow: z.boolean().optional(),
  }),
  postgres: ZPostgresStatus,
  storage: z.object({ totalBytes: z.number(), freeBytes: z.number(), dataBytes: z.number().nullable() }).nullable(),
  backups: ZBackupCatalog.nullable(),
  fencing: ZFencing,
  timeouts: ZAgentTimeouts.optional(),
});
export type TAgentStatus = z.infer<typeof ZAgentStatus>;
export type TAgentTimeouts = z.infer<typeof ZAgentTimeouts>;
export type TPostgresStatus = z.infer<typeof ZPostgresStatus>;
export type TReplicationPeer = z.infer<typeof ZReplicationPeer>;
export type TBackupCatalog = z.infer<typeof ZBackupCatalog>;

export const ZFenceRequest = z.object({ epoch: z.number().int().min(1), reason: z.string().min(1).max(500) }).strict();
export const ZPromoteRequest = z.object({ epoch: z.number().int().min(1) }).strict();
export const ZActionResult = z.object({
  ok: z.boolean(),
  epoch: z.number().int(),
  alreadyDone: z.boolean().optional(),
  detail: z.string().optional(),
  timeline: z.number().int().nullable().optional(),
  /** promote: the LSN where the new timeline forked off the old one (the switch point in its .history file) */
  forkLsn: ZLsn.nullable().optional(),
  /** fence: the fenced node's proven final position once PostgreSQL stopped (null: not proven) */
  finalPosition: ZFinalPosition.nullable().optional(),
  /** standby / upstream: the node's replay and receive positions when the call returned */
  replayLsn: ZLsn.nullable().optional(),
  receiveLsn: ZLsn.nullable().optional(),
});
export type TActionResult = z.infer<typeof ZActionResult>;
export const ZAgentError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** Extension: clears the agent's fenced flag (does not touch the data directory or start PostgreSQL). */
export const ZUnfenceRequest = z.object({ epoch: z.number().int().min(1), reason: z.string().min(1).max(500) }).strict();

/**
 * WAL salvage (extension): start a fenced node read-only as a standby that serves its WAL to peers. The
 * node must be fenced at exactly this epoch; it stays fenced (standby.signal, no upstream of its own, never
 * promotable) and replays its own pg_wal to the end.
 */
export const ZStandbyRequest = z.object({ epoch: z.number().int().min(1), reason: z.string().min(1).max(500) }).strict();
/**
 * WAL salvage (extension): point a replica at another upstream (host/port; user, password and other
 * connection options are kept from its current primary_conninfo) with ALTER SYSTEM + pg_reload_conf().
 * Epoch-checked: refused when the agent knows a newer epoch or the node is fenced or a primary.
 */
export const ZUpstreamRequest = z.object({ epoch: z.number().int().min(1), host: z.string().min(1).max(255), port: z.number().int().min(1).max(65535), reason: z.string().min(1).max(500) }).strict();

// ---- Restore drills (extension: docs/agent-protocol.md "Restore drills"). The drill host restores a
// pgBackRest backup into a scratch instance, checks it, measures the restore and tears it down.
export const DRILL_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
/** pgBackRest backup labels: 20261201-101500F, 20261201-101500F_20261201-111500D (or I) */
export const BACKUP_LABEL_RE = /^\d{8}-\d{6}F(_\d{8}-\d{6}[DI])?$/;
export const ZDrillRequest = z
  .object({
    drillId: z.string().regex(DRILL_ID_RE, 'must be 1..64 of A-Z a-z 0-9 _ -'),
    /** the backup to restore (a pgBackRest label); absent = the newest (or, with targetTime, the newest finished before it) */
    backup: z.string().regex(BACKUP_LABEL_RE, 'must be a pgBackRest backup label').optional(),
    /** restore to this point in time (ISO 8601 with offset) and promote there */
    targetTime: z.iso.datetime({ offset: true }).optional(),
    /** databases the restored instance must hold */
    expectDatabases: z.array(z.string().min(1).max(63)).max(200).optional(),
    /** the cluster's system identifier as Vakt observed it; absent = the drill host's own instance, else pgBackRest's */
    systemIdentifier: z.string().regex(/^\d{1,20}$/).optional(),
    /** the agent gives up (and tears down) after this long; default 3600 */
    timeoutSeconds: z.number().int().min(10).max(86_400).optional(),
    /** the cluster's epoch when the drill was requested (informational; a drill changes no node) */
    epoch: z.number().int().min(0).optional(),
  })
  .strict();
export type TDrillRequest = z.infer<typeof ZDrillRequest>;
export const ZDrillStepState = z.object({
  name: z.string(),
  status: z.enum(['running', 'ok', 'failed', 'skipped']),
  startedAt: z.string(),
  durationMs: z.number().int().nullable(),
  output: z.string().nullable(),
});
export type TDrillStepState = z.infer<typeof ZDrillStepState>;
export const ZDrillCheck = z.object({ name: z.string().min(1).max(200), ok: z.boolean(), detail: z.string().max(2000) });
export type TDrillCheck = z.infer<typeof ZDrillCheck>;
export const ZDrillBackup = z.object({
  label: z.string(),
  type: z.enum(['full', 'diff', 'incr']),
  sizeBytes: z.number().nullable(),
  stoppedAt: z.string().nullable(),
  /** labels restored, full first (the backup's references, then itself) */
  chain: z.array(z.string()),
});
export const ZDrillState = z.object({
  drillId: z.string(),
  status: z.enum(['running', 'succeeded', 'failed', 'aborted']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  targetTime: z.string().nullable(),
  backup: ZDrillBackup.nullable(),
  /** from the start of `pgbackrest restore` until the instance accepted connections out of recovery */
  restoreSeconds: z.number().nullable(),
  steps: z.array(ZDrillStepState),
  checks: z.array(ZDrillCheck),
  error: z.string().nullable(),
});
export type TDrillState = z.infer<typeof ZDrillState>;
/**
 * Switchover / rejoin (extension): start a node fenced at exactly this epoch as a replica of host:port
 * (primary_conninfo from VAKT_AGENT_REPLICATION_CONNINFO plus host, port and application_name; standby.signal
 * kept; recovery_target_timeline 'latest'). It stays fenced until POST /v1/unfence.
 * The same body is POST /v1/rewind's (rejoin): pg_rewind a stopped node fenced at exactly this epoch from
 * the new primary at host:port; it stays fenced and stopped. And POST /v1/basebackup's (rejoin when pg_rewind
 * cannot work): the old data directory moved aside, a fresh pg_basebackup from host:port in its place, the
 * node's own configuration kept; it stays fenced and stopped.
 */
export const ZFollowRequest = z.object({ epoch: z.number().int().min(1), host: z.string().min(1).max(255), port: z.number().int().min(1).max(65535), reason: z.string().min(1).max(500) }).strict();
/**
 * Switchover rollback (extension): start a node that a fence with exactly this epoch stopped (its data
 * directory still carrying that fence's marker) again as a writable primary, unfenced.
 * The same body is POST /v1/discard-aside's (rejoin): delete the data directories /v1/basebackup moved aside,
 * only while fenced at exactly this epoch and streaming.
 */
export const ZResumeRequest = z.object({ epoch: z.number().int().min(1), reason: z.string().min(1).max(500) }).strict();
/** The longest pg_rewind may run on the agent (seconds); Vakt's HTTP timeout for POST /v1/rewind adds 300 s for the read-only recovery start and stop, and the CHECKPOINT. */
export const REWIND_TIMEOUT_S = 600;
/** The longest pg_basebackup may run on the agent (seconds, POST /v1/basebackup); Vakt's HTTP timeout adds 60 s. */
export const BASEBACKUP_TIMEOUT_S = 1800;
