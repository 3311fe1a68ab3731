import pg from 'pg';

/** One query over a fresh connection to `url`; returns the rows. */
export async function pgQuery<R = any>(url: string, sql: string, params?: unknown[]): Promise<R[]> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, statement_timeout: 60_000 });
  c.on('error', () => {});
  await c.connect();
  try {
    return (await c.query(sql, params as any[])).rows as R[];
  } finally {
    await c.end().catch(() => {});
  }
}
