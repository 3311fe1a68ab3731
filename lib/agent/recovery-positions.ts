import type pg from 'pg';

/** A standby's replay and receive positions (null when it has none, e.g. no WAL receiver ever ran). */
export async function readRecoveryPositions(c: pg.Client): Promise<{ replayLsn: string | null; receiveLsn: string | null }> {
  const r = (await c.query(`SELECT pg_last_wal_replay_lsn()::text AS replay, pg_last_wal_receive_lsn()::text AS receive`)).rows[0];
  return { replayLsn: r.replay ?? null, receiveLsn: r.receive ?? null };
}
