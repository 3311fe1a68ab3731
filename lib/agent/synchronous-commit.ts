import type pg from 'pg';

// The primary's SERVER synchronous_commit and every role/database override of it. The agent's own
// session is no witness: PostgreSQL applies the agent role's and database's settings
// (pg_db_role_setting) and connection options at login, and they become the session's reset value too
// (pg_settings.reset_val), so `SHOW`, `RESET` and reset_val all report the override, not the server.
// Readable with pg_monitor: pg_settings (source) and the pg_db_role_setting catalog. pg_file_settings
// is superuser-only unless granted (docs/agent-protocol.md "synchronous_commit").

export type TSynchronousCommitOverride = { role: string | null; database: string | null; value: string };

/** Sources of a value that the server itself set (not a role, database, connection or session). */
const SERVER_SOURCES = new Set(['default', 'configuration file', 'command line', 'environment variable', 'override', 'global']);

/**
 * The server setting from the agent session's pg_settings row: reset_val when its source is the
 * server's; otherwise (the agent's role/database/connection overrides it) the applied
 * pg_file_settings row when readable (`fileValue`), else null (unknown: coverage is not claimed).
 */
export function serverSynchronousCommit(row: { reset_val: string; source: string } | undefined, fileValue: string | null | undefined): string | null {
  if (!row) return null;
  if (SERVER_SOURCES.has(row.source)) return row.reset_val;
  return fileValue ?? null;
}

/** pg_db_role_setting rows -> the synchronous_commit overrides (setconfig entries `synchronous_commit=…`). */
export function synchronousCommitOverrides(rows: Array<{ role: string | null; database: string | null; setconfig: string[] | null }>): TSynchronousCommitOverride[] {
  const out: TSynchronousCommitOverride[] = [];
  for (const r of rows) {
    for (const entry of r.setconfig ?? []) {
      const eq = entry.indexOf('=');
      if (eq < 0 || entry.slice(0, eq).trim().toLowerCase() !== 'synchronous_commit') continue;
      out.push({ role: r.role, database: r.database, value: entry.slice(eq + 1).trim() });
    }
  }
  const key = (o: TSynchronousCommitOverride) => `${o.role ?? ''}\u0000${o.database ?? ''}`;
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Reads both from PostgreSQL (fresh connection of the agent). Null overrides = pg_db_role_setting not readable. */
export async function readSynchronousCommit(c: pg.Client): Promise<{ server: string | null; overrides: TSynchronousCommitOverride[] | null }> {
  // a session-level SET (none on a fresh connection) must not count: back to the login value first
  await c.query(`RESET synchronous_commit`);
  const row = (await c.query(`SELECT reset_val, source FROM pg_settings WHERE name = 'synchronous_commit'`)).rows[0];
  let fileValue: string | null = null;
  if (row && !SERVER_SOURCES.has(row.source)) {
    try {
      const f = await c.query(`SELECT setting FROM pg_file_settings WHERE name = 'synchronous_commit' AND applied ORDER BY seqno DESC LIMIT 1`);
      fileValue = f.rows[0]?.setting ?? null;
    } catch {
      fileValue = null; // pg_file_settings needs a grant (docs/agent-protocol.md): unknown
    }
  }
  let overrides: TSynchronousCommitOverride[] | null = null;
  try {
    const o = await c.query(`SELECT r.rolname AS role, d.datname AS database, s.setconfig
                               FROM pg_db_role_setting s
                               LEFT JOIN pg_roles r ON r.oid = s.setrole
                               LEFT JOIN pg_database d ON d.oid = s.setdatabase`);
    overrides = synchronousCommitOverrides(o.rows);
  } catch {
    overrides = null;
  }
  return { server: serverSynchronousCommit(row, fileValue), overrides };
}
