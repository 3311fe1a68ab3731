import { afterAll, beforeAll, expect, it } from 'vitest';
import { db, dbNow, pgPool } from '@/lib/base/db';
import { readCluster } from './read';
import { ensureSites } from '../../tests/support/cluster-setup';

// The cluster page's charts (readCluster with history) on a database whose TimeZone is not UTC.
// Sample times are stored as UTC in `timestamp` columns and the driver adapter reads timestamptz as
// UTC: in a session of another zone now() came back hours off, the history window missed every
// sample and the charts read "Not enough samples yet" (issue 17). lib/base/db.ts runs every session in UTC.
const NAME = `history-tz-${Date.now().toString(36)}`;
const utcUrl = process.env.DATABASE_URL!;
let dbName = '';

beforeAll(async () => {
  await ensureSites('oslo');
  const site = await db.site.findUniqueOrThrow({ where: { name: 'oslo' } });
  const c = await db.cluster.create({
    data: { name: NAME, kind: 'vakt_agent', members: { create: [{ name: `${NAME}-b`, siteId: site.id, agentUrl: 'http://127.0.0.1:9/b', nextPollAt: new Date(Date.now() + 86_400_000) }] } },
    include: { members: true },
  });
  const now = await dbNow();
  await db.observationSample.createMany({
    data: [30_000, 15_000].map((ago) => ({ memberId: c.members[0].id, at: new Date(now.getTime() - ago), status: 'ok', role: 'replica', timeline: 1, lagBytes: 4096, lagSeconds: 0.2, freeBytes: 5000, totalBytes: 9000 })),
  });
  [{ dbName }] = await db.$queryRaw<{ dbName: string }[]>`SELECT current_database() AS "dbName"`;
});

afterAll(async () => {
  process.env.DATABASE_URL = utcUrl;
  await db.$executeRawUnsafe(`ALTER DATABASE "${dbName}" RESET TimeZone`);
});

it.each(['Asia/Tokyo', 'America/New_York'])('a database in %s: sessions run in UTC, the clock is right, the last minute of samples reads back', async (zone) => {
  await db.$executeRawUnsafe(`ALTER DATABASE "${dbName}" SET TimeZone = '${zone}'`);
  // new clients (lib/base/db.ts re-creates them when DATABASE_URL changes): new sessions, which would start in `zone`
  const url = new URL(utcUrl);
  url.searchParams.set('application_name', `tz-${zone.replace('/', '-')}`);
  process.env.DATABASE_URL = url.toString();
  const [{ tz }] = await db.$queryRaw<{ tz: string }[]>`SELECT current_setting('TimeZone') AS tz`;
  expect(tz).toBe('UTC');
  expect((await pgPool().query<{ tz: string }>(`SELECT current_setting('TimeZone') AS tz`)).rows[0].tz).toBe('UTC');
  expect(Math.abs((await dbNow()).getTime() - Date.now())).toBeLessThan(60_000);
  const view = await readCluster(NAME, { historyMinutes: 60 });
  const points = view.history!.members.find((m) => m.name === `${NAME}-b`)!.points;
  expect(points).toHaveLength(2);
  for (const p of points) expect(Math.abs(Date.now() - Date.parse(p.at))).toBeLessThan(120_000);
});
