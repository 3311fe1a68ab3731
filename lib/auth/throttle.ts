import { db } from '@/lib/base/db';

// Sign-in throttling per account and per client address, kept in PostgreSQL so every app instance
// shares it. After MAX_FAILURES failures within WINDOW the key is locked for LOCK (doubling).
const WINDOW_MS = 15 * 60_000;
const MAX_FAILURES = { account: 5, address: 20 } as const;
const LOCK_MS = 5 * 60_000;

type TKind = keyof typeof MAX_FAILURES;
const key = (kind: TKind, v: string) => `${kind}:${v.toLowerCase()}`;

export async function throttleCheck(account: string, address: string): Promise<{ locked: boolean; retryAfterSeconds?: number }> {
  const rows = await db.signInThrottle.findMany({ where: { key: { in: [key('account', account), key('address', address)] } } });
  const now = Date.now();
  const until = Math.max(0, ...rows.map((r) => r.lockedUntil?.getTime() ?? 0));
  return until > now ? { locked: true, retryAfterSeconds: Math.ceil((until - now) / 1000) } : { locked: false };
}

export async function throttleRecord(account: string, address: string, success: boolean) {
  const keys: [TKind, string][] = [['account', account], ['address', address]];
  if (success) {
    await db.signInThrottle.deleteMany({ where: { key: key('account', account) } });
    return;
  }
  for (const [kind, v] of keys) {
    const k = key(kind, v);
    // one statement: concurrent failures count correctly
    await db.$executeRaw`
      INSERT INTO "vakt"."SignInThrottle" (key, failures, "windowStart") VALUES (${k}, 1, now())
      ON CONFLICT (key) DO UPDATE SET
        failures = CASE WHEN "SignInThrottle"."windowStart" < now() - (${WINDOW_MS}::int * interval '1 millisecond') THEN 1 ELSE "SignInThrottle".failures + 1 END,
        "windowStart" = CASE WHEN "SignInThrottle"."windowStart" < now() - (${WINDOW_MS}::int * interval '1 millisecond') THEN now() ELSE "SignInThrottle"."windowStart" END`;
    await db.$executeRaw`
      UPDATE "vakt"."SignInThrottle" SET "lockedUntil" = now() + (${LOCK_MS}::int * interval '1 millisecond') * power(2, LEAST(failures - ${MAX_FAILURES[kind]}, 5))
      WHERE key = ${k} AND failures >= ${MAX_FAILURES[kind]}`;
  }
}

/** Client address as seen by the nearest proxy (Next itself), or the first hop when VAKT_TRUST_PROXY=1. */
export function clientAddress(headers: Headers | Record<string, string | string[] | undefined>, trustProxy: boolean): string {
  const get = (n: string) => (headers instanceof Headers ? headers.get(n) : ([] as string[]).concat(headers[n] ?? [])[0]) ?? '';
  const hops = get('x-forwarded-for').split(',').map((s) => s.trim()).filter(Boolean);
  if (hops.length === 0) return get('x-real-ip') || 'unknown';
  return trustProxy ? hops[0] : hops[hops.length - 1];
}
