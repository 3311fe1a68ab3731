import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@/lib/generated/prisma/client.ts';
import { env } from '@/lib/env';

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

function create(url: string) {
  const adapter = new PrismaPg({ connectionString: url, max: 10, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000 });
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
}

/** True when the error means the database itself is unreachable (not a query error). */
export function isDbUnavailable(e: unknown): boolean {
  const s = String((e as { code?: string })?.code ?? '') + ' ' + String((e as Error)?.message ?? '');
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|57P01|57P03|terminating connection|Connection terminated|connect|DatabaseNotReachable|P1001|P1017/i.test(
    s,
  );
}
