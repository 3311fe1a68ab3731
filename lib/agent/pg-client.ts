import pg from 'pg';
import type { TAgentConfig } from './config.ts';
import { AgentError } from './types.ts';

/**
 * One short-lived connection per call, with connect, statement and query timeouts. The agent makes
 * a handful of queries every few seconds: a pool would only add idle connections that break when
 * PostgreSQL restarts (which is exactly when the agent matters).
 */
export async function withPg<T>(
  config: Pick<TAgentConfig, 'pgUrl' | 'pgTimeoutMs'>,
  fn: (client: pg.Client) => Promise<T>,
  opts: { statementTimeoutMs?: number } = {},
): Promise<T> {
  const statementTimeout = opts.statementTimeoutMs ?? config.pgTimeoutMs;
  const client = new pg.Client({
    connectionString: config.pgUrl,
    connectionTimeoutMillis: config.pgTimeoutMs,
    statement_timeout: statementTimeout,
    query_timeout: statementTimeout + 1_000,
    lock_timeout: statementTimeout,
    application_name: 'vakt-agent',
  });
  // A connection that dies between queries emits 'error'; the failing query reports it.
  client.on('error', () => {});
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Message for a PostgreSQL/driver error without stack or connection secrets. */
export function pgErrorMessage(e: unknown): string {
  const err = e as { message?: string; code?: string };
  const msg = (err?.message ?? String(e)).replace(/postgres(ql)?:\/\/[^\s]*/g, '[url]');
  return err?.code && !msg.includes(err.code) ? `${msg} (${err.code})` : msg;
}

/** Rethrows an AgentError as it is; anything else from PostgreSQL or the driver as 503 PG_UNAVAILABLE. */
export function rethrowAsAgentError(e: unknown): never {
  if (e instanceof AgentError) throw e;
  throw new AgentError('PG_UNAVAILABLE', 503, `PostgreSQL: ${pgErrorMessage(e)}`);
}
