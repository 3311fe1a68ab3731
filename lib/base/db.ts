import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '@/lib/generated/prisma/client.ts';
import { env } from '@/lib/base/env';

export type { Prisma } from '@/lib/generated/prisma/client.ts';
const g = globalThis as unknown as { vaktPrisma?: ReturnType<typeof create>; vaktPrismaUrl?: string };

export function databaseUrl(): string {
  const url = process.env.DATABASE_URL ?? env().DATABASE_URL;
  if (!url) {
    throw new Error(
      'DATABASE_URL is not set and the embedded PostgreSQL has not been started (npm run demo / npm start start it for you)',
    );
  }
  return url;
}

// Every session runs in UTC, whatever the server's or the database's TimeZone: timestamps are stored
// as UTC in \`timestamp\` columns and the driver adapter reads timestamptz as if it were UTC, so in
// another zone now() came back hours off and every comparison of a column with a timestamptz (chart
// history windows, ages) was off by the zone's offset (issue 17: empty charts).
const SESSION_UTC = '-c TimeZone=UTC';

function create(url: string) {
  const adapter = new PrismaPg({ connectionString: url, max: 10, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000, options: SESSION_UTC });
  return new PrismaClient({ adapter, omit: { user: { passwordHash: true }, apiToken: { tokenHash: true } } });
}

/** The Prisma client (one per process, re-created if DATABASE_URL changed, e.g. in tests). */
export function getDb() {
  const url = databaseUrl();
  if (!g.vaktPrisma || g.vaktPrismaUrl !== url) {
    void g.vaktPrisma?.$disconnect();
    g.vaktPrisma = create(url);
    g.vaktPrismaUrl = url;
  }
  return g.vaktPrisma;
}
export type TDbClient = ReturnType<typeof getDb>;
export type TTransaction = Parameters<Parameters<TDbClient['$transaction']>[0]>[0];

/** Lazy proxy so that importing a module never opens a connection or reads the environment. */
export const db: TDbClient = new Proxy({} as TDbClient, {
  get(_t, prop) {
    const client = getDb() as unknown as Record<PropertyKey, unknown>;
    const v = client[prop];
    return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(client) : v;
  },
});

export async function disconnectDb() {
  await g.vaktPrisma?.$disconnect();
  g.vaktPrisma = undefined;
  g.vaktPrismaUrl = undefined;
  const pool = gp.vaktPgPool;
  gp.vaktPgPool = undefined;
  gp.vaktPgPoolUrl = undefined;
  await pool?.end();
}

const gp = globalThis as unknown as { vaktPgPool?: pg.Pool; vaktPgPoolUrl?: string };
// `timestamp` (without time zone) columns hold UTC, as Prisma reads them
const TIMESTAMP_OID = 1114;
const utcTimestamp = (s: string) => new Date(`${s.replace(' ', 'T')}Z`);

/**
 * A small plain `pg` pool beside Prisma's (same URL, re-created when it changes, closed by
 * `disconnectDb`), for the poller's hot path only: claims and batched stores send one large JSON
 * document per statement, which goes to PostgreSQL as it is (Prisma's raw path serialises every
 * parameter to JSON once more and parses it back). Everything else uses `db`.
 */
export function pgPool(): pg.Pool {
  const url = databaseUrl();
  if (!gp.vaktPgPool || gp.vaktPgPoolUrl !== url) {
    void gp.vaktPgPool?.end();
    const pool = new pg.Pool({
      connectionString: url,
      max: 4,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      allowExitOnIdle: true,
      application_name: 'vakt-poller',
      options: SESSION_UTC,
      types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === TIMESTAMP_OID && format !== 'binary' ? utcTimestamp : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
    });
    // an idle connection that breaks (database restart) is dropped by the pool; the next query reconnects
    pool.on('error', () => undefined);
    gp.vaktPgPool = pool;
    gp.vaktPgPoolUrl = url;
  }
  return gp.vaktPgPool;
}

// Prisma codes: P1001 can't reach the server, P1002 timed out, P1017 server closed the connection,
// P2024 timed out waiting for a pool connection. Driver adapter (@prisma/adapter-pg) error kinds for
// connection failures (found in meta.driverAdapterError.cause or a DriverAdapterError's cause).
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1017', 'P2024']);
const UNAVAILABLE_ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TlsConnectionError']);
// Socket errors and PostgreSQL SQLSTATEs: class 08 (connection exception), 57P01-03 (shutdown /
// cannot connect now), 53300 (too many connections).
const UNAVAILABLE_CODES = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EPIPE|EAI_AGAIN|08\w{3}|57P0[123]|53300)$/;
const UNAVAILABLE_MESSAGES =
  /can't reach database server|Connection terminated|terminating connection|timeout exceeded when trying to connect|the database system is (starting up|shutting down|in recovery mode)|is not currently accepting connections|too many clients already|remaining connection slots are reserved|DatabaseNotReachable|connect (ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)|getaddrinfo ENOTFOUND/i;

/**
 * True when the error means the database itself is unreachable (not a query error): Prisma's
 * "Can't reach database server" (P1001, and P2010 raw-query failures carrying the same driver
 * adapter error), driver adapter connection errors, socket errors and PostgreSQL shutdown codes.
 * The API maps it to 503 and the worker backs off quietly.
 */
export function isDbUnavailable(e: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (x: unknown, depth: number): boolean => {
    if (!x || typeof x !== 'object' || depth > 5 || seen.has(x)) return false;
    seen.add(x);
    const o = x as { code?: unknown; kind?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown }; errors?: unknown };
    const code = typeof o.code === 'string' ? o.code : '';
    if (UNAVAILABLE_PRISMA_CODES.has(code) || UNAVAILABLE_CODES.test(code)) return true;
    if (typeof o.kind === 'string' && UNAVAILABLE_ADAPTER_KINDS.has(o.kind)) return true;
    if (typeof o.message === 'string' && UNAVAILABLE_MESSAGES.test(o.message)) return true;
    if (Array.isArray(o.errors) && o.errors.some((c) => visit(c, depth + 1))) return true; // AggregateError (IPv4 + IPv6 attempts)
    return visit(o.meta?.driverAdapterError, depth + 1) || visit(o.cause, depth + 1);
  };
  return visit(e, 0);
}

/**
 * Vakt's database clock: every time decision (freshness, windows, flap guard, automatic-mode delay,
 * expiry, leases) uses the database's now(), never the app's clock (docs/safety.md "Clocks").
 * Inside a transaction this is the transaction's start time.
 */
export async function dbNow(client: TDbClient | TTransaction = db): Promise<Date> {
  const rows = await client.$queryRaw<{ now: Date }[]>`SELECT now() AS now`;
  return rows[0].now;
}
