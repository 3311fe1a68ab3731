import type pg from 'pg';
import type { TPostgresStatus, TReplicationPeer } from './protocol.ts';
import { withPg, pgErrorMessage } from './pg-client.ts';
import { cached, lastCached } from './cache.ts';
import { readSynchronousCommit } from './synchronous-commit.ts';
import { readStoppedState } from './stopped-state.ts';
import type { TAgentContext } from './types.ts';

// Everything `GET /v1/status` says about PostgreSQL. Works with a role that has only pg_monitor
// (see README "Database grants"). PostgreSQL down -> reachable:false with the error, never a throw.

const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : v == null ? null : String(v));
const num = (v: unknown): number | null => (v == null ? null : Number(v));
const bool = (v: string | undefined) => v === 'on' || v === 'true';

/** "00000003000000000000000A" -> 3 */
export function timelineFromWalFile(name: string): number {
  return parseInt(name.slice(0, 8), 16);
}

export type TDatabaseSizes = { databases: { name: string; bytes: number }[]; walBytes: number | null };

const DB_SIZES_TTL_MS = 60_000;

async function readDatabaseSizes(c: pg.Client): Promise<TDatabaseSizes> {
  const dbs = await c.query(
    `SELECT datname, pg_database_size(oid)::float8 AS bytes FROM pg_database WHERE datallowconn ORDER BY datname`,
  );
  let walBytes: number | null = null;
  try {
    const w = await c.query(`SELECT COALESCE(sum(size), 0)::float8 AS bytes FROM pg_ls_waldir()`);
    walBytes = Number(w.rows[0].bytes);
  } catch {
    walBytes = null; // pg_ls_waldir needs pg_monitor; not fatal
  }
  return { databases: dbs.rows.map((r) => ({ name: r.datname, bytes: Number(r.bytes) })), walBytes };
}

export async function readPostgresStatus(ctx: TAgentContext): Promise<{ postgres: TPostgresStatus; sizes: TDatabaseSizes | null }> {
  try {
    return await withPg(ctx.config, async (c) => {
      const base = (
        await c.query(`SELECT pg_is_in_recovery() AS in_recovery,
                              current_setting('server_version') AS server_version,
                              (SELECT system_identifier::text FROM pg_control_system()) AS system_identifier,
                              (SELECT timeline_id FROM pg_control_checkpoint()) AS checkpoint_tli`)
      ).rows[0];
      const inRecovery: boolean = base.in_recovery;
      const out: TPostgresStatus = {
        reachable: true,
        serverVersion: base.server_version,
        systemIdentifier: base.system_identifier,
        role: inRecovery ? 'replica' : 'primary',
        timeline: num(base.checkpoint_tli),
      };

      if (!inRecovery) {
        // pg_control_checkpoint() lags behind a promotion until the next checkpoint; the current
        // WAL file name carries the timeline the server writes on right now.
        const r = (await c.query(`SELECT pg_current_wal_lsn()::text AS lsn, pg_walfile_name(pg_current_wal_lsn()) AS walfile`)).rows[0];
        out.currentLsn = r.lsn;
        out.timeline = timelineFromWalFile(r.walfile);
      } else {
        const r = (
          await c.query(`SELECT pg_last_wal_receive_lsn()::text AS receive_lsn, pg_last_wal_replay_lsn()::text AS replay_lsn,
                                pg_last_xact_replay_timestamp() AS replay_at,
                                (SELECT min_recovery_end_timeline FROM pg_control_recovery()) AS min_recovery_tli`)
        ).rows[0];
        out.receiveLsn = r.receive_lsn;
        out.replayLsn = r.replay_lsn;
        out.lastReplayAt = iso(r.replay_at);
        const wr = (
          await c.query(`SELECT status, sender_host, sender_port, received_tli, flushed_lsn::text AS flushed_lsn,
                                last_msg_receipt_time, slot_name FROM pg_stat_wal_receiver`)
        ).rows[0];
        out.walReceiver = wr
          ? {
              status: wr.status ?? null,
              senderHost: wr.sender_host ?? null,
              senderPort: num(wr.sender_port),
              receivedTimeline: num(wr.received_tli),
              flushedLsn: wr.flushed_lsn ?? null,
              lastMsgReceiptTime: iso(wr.last_msg_receipt_time),
              slotName: wr.slot_name ?? null,
            }
          : null;
        const candidates = [num(wr?.received_tli), num(base.checkpoint_tli), num(r.min_recovery_tli)].filter(
          (t): t is number => t != null && t > 0,
        );
        out.timeline = candidates.length ? Math.max(...candidates) : null;
      }

      const rep = await c.query(`SELECT application_name, client_addr::text AS client_addr, state, sync_state,
              sent_lsn::text AS sent_lsn, write_lsn::text AS write_lsn, flush_lsn::text AS flush_lsn, replay_lsn::text AS replay_lsn,
              EXTRACT(EPOCH FROM write_lag)::float8 AS write_lag, EXTRACT(EPOCH FROM flush_lag)::float8 AS flush_lag,
              EXTRACT(EPOCH FROM replay_lag)::float8 AS replay_lag,
              pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END,
                              replay_lsn)::float8 AS replay_lag_bytes
         FROM pg_stat_replication ORDER BY application_name`);
      out.replication = rep.rows.map(
        (r): TReplicationPeer => ({
          applicationName: r.application_name ?? '',
          clientAddr: r.client_addr ?? null,
          state: r.state ?? null,
          syncState: r.sync_state ?? null,
          sentLsn: r.sent_lsn ?? null,
          writeLsn: r.write_lsn ?? null,
          flushLsn: r.flush_lsn ?? null,
          replayLsn: r.replay_lsn ?? null,
          writeLagSeconds: num(r.write_lag),
          flushLagSeconds: num(r.flush_lag),
          replayLagSeconds: num(r.replay_lag),
          replayLagBytes: num(r.replay_lag_bytes),
        }),
      );

      const ar = (await c.query(`SELECT * FROM pg_stat_archiver`)).rows[0];
      out.archiver = ar
        ? {
            archivedCount: Number(ar.archived_count),
            lastArchivedWal: ar.last_archived_wal ?? null,
            lastArchivedAt: iso(ar.last_archived_time),
            failedCount: Number(ar.failed_count),
            lastFailedWal: ar.last_failed_wal ?? null,
            lastFailedAt: iso(ar.last_failed_time),
          }
        : null;

      const st = await c.query(`SELECT name, setting FROM pg_settings WHERE name = ANY($1)`, [
        ['synchronous_standby_names', 'synchronous_commit', 'archive_mode', 'archive_command', 'fsync', 'full_page_writes', 'data_checksums', 'wal_level', 'wal_log_hints', 'port'],
      ]);
      const s = Object.fromEntries(st.rows.map((r) => [r.name as string, r.setting as string]));
      const commit = await readSynchronousCommit(c);
      out.settings = {
        synchronousStandbyNames: s.synchronous_standby_names ?? '',
        synchronousCommit: commit.server ?? s.synchronous_commit ?? '',
        serverSynchronousCommit: commit.server,
        synchronousCommitOverrides: commit.overrides,
        archiveMode: s.archive_mode ?? '',
        archiveCommand: s.archive_command ?? null,
        fsync: bool(s.fsync),
        fullPageWrites: bool(s.full_page_writes),
        dataChecksums: bool(s.data_checksums),
        walLevel: s.wal_level,
        walLogHints: s.wal_log_hints === undefined ? undefined : bool(s.wal_log_hints),
        port: s.port ? Number(s.port) : null,
      };

      // Sizes walk the data directory: cached, refreshed at most once a minute.
      let sizes: TDatabaseSizes | null = null;
      try {
        sizes = await cached(ctx, 'db-sizes', DB_SIZES_TTL_MS, () => readDatabaseSizes(c));
      } catch {
        sizes = lastCached<TDatabaseSizes>(ctx, 'db-sizes') ?? null;
      }
      if (sizes) out.databases = sizes.databases;
      return { postgres: out, sizes };
    });
  } catch (e) {
    return {
      postgres: { reachable: false, error: pgErrorMessage(e), role: 'unknown', stopped: await readStoppedState(ctx) },
      sizes: lastCached<TDatabaseSizes>(ctx, 'db-sizes') ?? null,
    };
  }
}
