import pg from 'pg';
import { pgQuery } from './query.ts';

export type TWriteLoad = {
  /** rows inserted so far */
  inserted(): number;
  stop(): Promise<{ inserted: number; errors: number; lastError: string | null }>;
};

/**
 * Inserts one row every intervalMs into `table` (created if missing) on `node`, tolerating errors
 * (the node may be fenced or stopped meanwhile: errors are counted, the connection is re-opened).
 */
export async function startWriteLoad(node: { pgUrl: string }, opts: { intervalMs?: number; table?: string; payloadBytes?: number } = {}): Promise<TWriteLoad> {
  const table = opts.table ?? 'vakt_load';
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error('startWriteLoad: bad table name');
  const payload = 'x'.repeat(opts.payloadBytes ?? 100);
  await pgQuery(node.pgUrl, `CREATE TABLE IF NOT EXISTS ${table} (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), payload text)`);
  let inserted = 0;
  let errors = 0;
  let lastError: string | null = null;
  let client: pg.Client | null = null;
  let stopped = false;
  let busy: Promise<void> = Promise.resolve();
  let inFlight = false;
  const tick = async () => {
    try {
      if (!client) {
        const c = new pg.Client({ connectionString: node.pgUrl, connectionTimeoutMillis: 2_000, statement_timeout: 5_000 });
        c.on('error', () => {});
        await c.connect();
        client = c;
      }
      await client.query(`INSERT INTO ${table}(payload) VALUES ($1)`, [payload]);
      inserted++;
    } catch (e) {
      errors++;
      lastError = (e as Error).message;
      const c = client as pg.Client | null;
      client = null;
      await c?.end().catch(() => {});
    }
  };
  const timer = setInterval(() => {
    if (stopped || inFlight) return; // a slow insert skips ticks instead of queueing them
    inFlight = true;
    busy = tick().finally(() => {
      inFlight = false;
    });
  }, opts.intervalMs ?? 50);
  return {
    inserted: () => inserted,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await busy;
      const c = client as pg.Client | null;
      client = null;
      await c?.end().catch(() => {});
      return { inserted, errors, lastError };
    },
  };
}
