import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { db } from '@/lib/base/db';
import { getCluster } from '../registry/read-clusters';
import { pruneHistory, readHistory, rollupHistory } from './history';
import { createPoller } from './poll-cycle';
import { ensureSites } from '../../tests/support/cluster-setup';

// History tiers on real PostgreSQL: raw samples rolled into minutes and hours, each tier pruned to
// its retention, and charts reading the tier that fits their range.
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const KEEP = { rawHours: 6, minuteDays: 3, hourDays: 90 };
let now: number; // the database's now() when the data was made
let a: string; // raw samples every 15 s for the last 8 hours
let b: string; // no raw samples: rollup rows made by hand (30 days of hours, 3 days of minutes)

const floorTo = (t: number, step: number) => Math.floor(t / step) * step;
const rollups = (memberId: string, step: number) => db.observationRollup.findMany({ where: { memberId, step }, orderBy: { at: 'asc' } });

beforeAll(async () => {
  await ensureSites('oslo');
  // history is global: this file starts from empty tiers (other files' history is of no use here)
  await db.$executeRawUnsafe(`TRUNCATE "vakt"."ObservationSample", "vakt"."ObservationRollup"`);
  const site = await db.site.findUniqueOrThrow({ where: { name: 'oslo' } });
  const c = await db.cluster.create({
    data: {
      name: 'history-tiers',
      kind: 'vakt_agent',
      members: { create: ['h1', 'h2'].map((name) => ({ name, siteId: site.id, agentUrl: `http://127.0.0.1:9/${name}`, nextPollAt: new Date(Date.now() + DAY) })) },
    },
    include: { members: { orderBy: { name: 'asc' } } },
  });
  [a, b] = c.members.map((m) => m.id);
  const [{ t }] = await db.$queryRaw<{ t: Date }[]>`SELECT now() AS t`;
  now = t.getTime();
  const samples = Array.from({ length: (8 * HOUR) / 15_000 }, (_, i) => {
    const at = now - 8 * HOUR + i * 15_000;
    return { memberId: a, at: new Date(at), status: 'ok', role: 'replica', timeline: 1, lagBytes: 100, lagSeconds: 0.1, freeBytes: 5000, totalBytes: 9000 };
  });
  // one minute 3 h 30 min ago: one unknown sample, a lag spike and a storage dip
  const marked = floorTo(now - 3.5 * HOUR, MIN);
  const inMarked = samples.filter((s) => s.at.getTime() >= marked && s.at.getTime() < marked + MIN);
  Object.assign(inMarked[1], { status: 'unknown', role: 'unknown' });
  Object.assign(inMarked[2], { lagBytes: 77_777, lagSeconds: 9 });
  Object.assign(inMarked[3], { freeBytes: 1234 });
  await db.observationSample.createMany({ data: samples });
});

describe('history tiers', () => {
  // member b: hourly rollups for 30 days (lag 1000; one hour 20 days ago: lag 99 999) and minute rollups for 3 days (lag 500)
  const hourRow = (i: number) => {
    const at = floorTo(now, HOUR) - (i + 1) * HOUR;
    return { memberId: b, step: 3600, at: new Date(at), status: 'ok', role: 'primary', timeline: 1, lagBytes: i === 20 * 24 ? 99_999 : 1000, lagSeconds: 1, freeBytes: 4000, totalBytes: 9000, samples: 240 };
  };
  // (made after the rollup tests: the rollup goes on from the newest bucket of a tier, whoever's it is)
  const minuteRow = (i: number) => ({ memberId: b, step: 60, at: new Date(floorTo(now, MIN) - (i + 1) * MIN), status: 'ok', role: 'primary', timeline: 1, lagBytes: 500, lagSeconds: 0.5, freeBytes: 4000, totalBytes: 9000, samples: 4 });
  it('keeps raw samples past their retention until they are rolled up', async () => {
    // no minute rollups exist yet: no raw sample is in one
    const before = await db.observationSample.count({ where: { memberId: a } });
    expect((await pruneHistory({ ...KEEP, rawHours: 1 })).raw).toBe(0);
    expect(await db.observationSample.count({ where: { memberId: a } })).toBe(before);
  });

  it('rolls complete minutes and hours up: worst status, last role, largest lag, least free storage', async () => {
    for (let i = 0; i < 3; i++) await rollupHistory(); // 8 hours of samples: two calls, then one with nothing new
    const minutes = await rollups(a, 60);
    expect(minutes[0].at.getTime()).toBe(floorTo(now - 8 * HOUR, MIN));
    // up to the newest complete minute that has samples (the last sample is 15 s before \`now\`)
    expect(minutes.at(-1)!.at.getTime()).toBeGreaterThanOrEqual(floorTo(now, MIN) - MIN);
    expect(minutes.at(-1)!.at.getTime()).toBeLessThanOrEqual(floorTo(now, MIN));
    expect(new Set(minutes.map((m) => m.at.getTime())).size).toBe(minutes.length);
    for (let i = 1; i < minutes.length; i++) expect(minutes[i].at.getTime() - minutes[i - 1].at.getTime()).toBe(MIN);
    const marked = floorTo(now - 3.5 * HOUR, MIN);
    const m = minutes.find((r) => r.at.getTime() === marked)!;
    expect(m).toMatchObject({ status: 'unknown', role: 'replica', lagBytes: 77_777, lagSeconds: 9, freeBytes: 1234, totalBytes: 9000, samples: 4 });
    const plain = minutes.find((r) => r.at.getTime() === marked + MIN)!;
    expect(plain).toMatchObject({ status: 'ok', role: 'replica', lagBytes: 100, freeBytes: 5000, samples: 4 });

    const hours = await rollups(a, 3600);
    const hourOfMarked = hours.find((r) => r.at.getTime() === floorTo(marked, HOUR))!;
    expect(hourOfMarked).toMatchObject({ status: 'unknown', lagBytes: 77_777, freeBytes: 1234, samples: 240 });
    // complete hours only: never the current hour
    expect(hours.at(-1)!.at.getTime() + HOUR).toBeLessThanOrEqual(floorTo(Date.now(), HOUR));
    expect(hours.filter((h) => h.samples === 240).length).toBeGreaterThanOrEqual(6);

    // again: the buckets that were complete before do not change (upserts of the same values)
    await rollupHistory();
    const settled = (rows: typeof minutes) => rows.filter((r) => r.at.getTime() < floorTo(now, MIN) - MIN);
    expect(settled(await rollups(a, 60))).toEqual(settled(minutes));
    expect(settled(minutes).length).toBeGreaterThan(8 * 60 - 3);
    expect(await rollups(a, 3600)).toEqual(hours);
  });

  it('prunes each tier to its own retention', async () => {
    await db.observationRollup.createMany({
      data: [
        { memberId: b, step: 60, at: new Date(floorTo(now, MIN) - 4 * DAY), status: 'ok', role: 'primary', samples: 4 },
        { memberId: b, step: 3600, at: new Date(floorTo(now, HOUR) - 100 * DAY), status: 'ok', role: 'primary', samples: 240 },
      ],
    });
    const r = await pruneHistory(KEEP);
    expect({ ...r, raw: 0 }).toEqual({ raw: 0, minute: 1, hour: 1 });
    // the 2 hours of samples older than 6 hours (plus the few seconds since \`now\`)
    expect(r.raw).toBeGreaterThanOrEqual((2 * HOUR) / 15_000);
    expect(r.raw).toBeLessThan((2 * HOUR) / 15_000 + 20);
    const [oldestRaw] = await db.$queryRaw<{ t: Date }[]>`SELECT min("at") AS t FROM "vakt"."ObservationSample" WHERE "memberId" = ${a}`;
    expect(oldestRaw.t.getTime()).toBeGreaterThanOrEqual(now - 6 * HOUR - 1000);
    expect(await db.observationRollup.count({ where: { step: 60, at: { lt: new Date(now - 3 * DAY) } } })).toBe(0);
    expect(await db.observationRollup.count({ where: { step: 3600, at: { lt: new Date(now - 90 * DAY) } } })).toBe(0);
    // minute rollups of member a (8 hours) are within 3 days: all kept
    expect((await rollups(a, 60)).length).toBeGreaterThan(7 * 60);
  });

  it('charts read the tier that fits the range', async () => {
    await db.observationRollup.createMany({ data: Array.from({ length: 30 * 24 }, (_, i) => hourRow(i)) });
    // 1 hour: raw samples
    const hour = await readHistory([a], { sinceMinutes: 60, points: 300 });
    expect(hour.tiers).toEqual(['raw']);
    // 6 hours: minute rollups (72 s buckets), the newest seconds from raw
    const six = await readHistory([a], { sinceMinutes: 6 * 60, points: 300 });
    expect(six.tiers).toContain('minute');
    expect(six.tiers).not.toContain('hour');
    expect(six.rows.length).toBeLessThanOrEqual(301);
    const spike = six.rows.filter((r) => r.lagBytes === 77_777);
    expect(spike).toHaveLength(1);
    expect(spike[0].status).toBe('unknown');

    // 30 days through the cluster read the API and pages use: hourly rollups, at most 300 points per member
    const view = await getCluster('history-tiers', { historyMinutes: 30 * 24 * 60 });
    const pb = view.history!.members.find((m) => m.name === 'h2')!.points;
    expect(pb.length).toBeGreaterThan(250);
    expect(pb.length).toBeLessThanOrEqual(300);
    expect(new Date(pb[0].at).getTime()).toBeLessThan(now - 29 * DAY);
    // the hour 20 days ago exists only in the hourly tier
    const marked = pb.filter((p) => p.lagBytes === 99_999);
    expect(marked).toHaveLength(1);
    expect(Math.abs(new Date(marked[0].at).getTime() - (floorTo(now, HOUR) - (20 * 24 + 1) * HOUR))).toBeLessThan(3 * HOUR);

    // 4 days: minute rollups for the 3 days they are kept (lag 500 for b), hourly before (lag 1000)
    await db.observationRollup.createMany({ data: Array.from({ length: 3 * 24 * 60 - 1 }, (_, i) => minuteRow(i)) });
    const four = await readHistory([b], { sinceMinutes: 4 * 24 * 60, points: 300 });
    expect(four.tiers).toEqual(expect.arrayContaining(['minute', 'hour']));
    const recent = four.rows.filter((r) => r.at.getTime() > now - 2.9 * DAY);
    const older = four.rows.filter((r) => r.at.getTime() < now - 3.1 * DAY);
    expect(recent.length).toBeGreaterThan(150);
    expect(recent.every((r) => r.lagBytes === 500)).toBe(true);
    expect(older.length).toBeGreaterThan(15); // hourly rows for the 0.9 day older than 3.1 days
    expect(older.every((r) => r.lagBytes === 1000)).toBe(true);
  });

  it('the worker rolls up and prunes: a poller tick does it in the background, drain waits for it', async () => {
    // nothing due: the tick polls no node (other files' clusters included, given back afterwards), it only keeps the history
    const moved = await db.$queryRawUnsafe<{ id: string }[]>(`UPDATE "vakt"."ClusterMember" SET "nextPollAt" = now() + interval '1 day' WHERE "nextPollAt" < now() + interval '1 hour' RETURNING id`);
    onTestFinished(async () => {
      await db.$executeRawUnsafe(`UPDATE "vakt"."ClusterMember" SET "nextPollAt" = now() WHERE id = ANY($1::text[])`, moved.map((m) => m.id));
    });
    const [{ t }] = await db.$queryRaw<{ t: Date }[]>`SELECT now() AS t`;
    const minute = floorTo(t.getTime(), MIN) - MIN; // the last complete minute
    await db.observationSample.create({ data: { memberId: a, at: new Date(minute + 30_000), status: 'ok', role: 'replica', lagBytes: 55_555 } });
    await db.observationRollup.create({ data: { memberId: b, step: 3600, at: new Date(floorTo(t.getTime(), HOUR) - 95 * DAY), status: 'ok', role: 'primary', samples: 240 } });
    const poller = createPoller({ workerId: 'history-test', retention: KEEP });
    await poller.tick();
    await poller.drain();
    expect(poller.stats.polled).toBe(0);
    const rolled = await db.observationRollup.findUnique({ where: { memberId_step_at: { memberId: a, step: 60, at: new Date(minute) } } });
    expect(rolled?.lagBytes).toBe(55_555);
    expect(await db.observationRollup.count({ where: { step: 3600, at: { lt: new Date(t.getTime() - 90 * DAY) } } })).toBe(0);
    expect(poller.stats.pruned).toBeGreaterThanOrEqual(1);
  });
});
