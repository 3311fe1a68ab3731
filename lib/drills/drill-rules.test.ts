import { describe, expect, it } from 'vitest';
import { drillDue, judgeDrillRequest, pickDrillHost, storedDrillStatus, type TDrillCatalog, type THostMember } from './drill-rules';

const now = new Date('2026-12-01T12:00:00Z');
const catalog: TDrillCatalog = {
  observed: true,
  archiveEndAt: '2026-12-01T11:59:00Z',
  backups: [
    { label: '20261130-100000F', type: 'full', stoppedAt: '2026-11-30T10:05:00Z', sizeBytes: 1e7 },
    { label: '20261130-100000F_20261201-080000D', type: 'diff', stoppedAt: '2026-12-01T08:01:00Z', sizeBytes: 2e6 },
  ],
};

describe('judgeDrillRequest', () => {
  const cases: { name: string; c?: TDrillCatalog; want: { backup?: string; targetTime?: string }; paths: string[]; msg?: RegExp }[] = [
    { name: 'nothing asked: the newest', want: {}, paths: [] },
    { name: 'a known label', want: { backup: '20261130-100000F' }, paths: [] },
    { name: 'an unknown label', want: { backup: '20261129-100000F' }, paths: ['backup'], msg: /no backup labelled 20261129-100000F .*20261130-100000F/ },
    { name: 'a time inside the window', want: { targetTime: '2026-12-01T09:00:00Z' }, paths: [] },
    { name: 'a time before the oldest backup ended', want: { targetTime: '2026-11-30T10:04:00Z' }, paths: ['targetTime'], msg: /outside the point-in-time window 2026-11-30T10:05:00.000Z/ },
    { name: 'a time after the newest archived WAL', want: { targetTime: '2026-12-01T11:59:30Z' }, paths: ['targetTime'] },
    { name: 'a time in the future', want: { targetTime: '2026-12-02T00:00:00Z' }, paths: ['targetTime'] },
    { name: 'a time before the chosen backup ended', want: { backup: '20261130-100000F_20261201-080000D', targetTime: '2026-12-01T07:00:00Z' }, paths: ['targetTime'], msg: /of backup 20261130-100000F_20261201-080000D/ },
    { name: 'no catalog, nothing asked', c: { observed: false, backups: [], archiveEndAt: null }, want: {}, paths: [] },
    { name: 'no catalog, a label', c: { observed: false, backups: [], archiveEndAt: null }, want: { backup: '20261130-100000F' }, paths: ['backup'] },
    { name: 'a catalog without backups, a time', c: { observed: true, backups: [], archiveEndAt: null }, want: { targetTime: '2026-12-01T09:00:00Z' }, paths: ['targetTime'], msg: /no finished backup/ },
  ];
  for (const t of cases) {
    it(t.name, () => {
      const errors = judgeDrillRequest(t.c ?? catalog, t.want, now);
      expect(errors.map((e) => e.path)).toEqual(t.paths);
      if (t.msg) expect(errors.map((e) => e.message).join(' ')).toMatch(t.msg);
    });
  }
});

describe('pickDrillHost', () => {
  const m = (name: string, role: string, status = 'ok', hasCatalog = true): THostMember => ({ name, role, status, hasCatalog, agentUrl: `http://127.0.0.1:1/${name}` });
  const cases: { name: string; registeredUrl?: string; agentMembers?: boolean; members: THostMember[]; runner: string | null }[] = [
    { name: 'the registered host wins', registeredUrl: 'http://10.0.0.9:7070', members: [m('a', 'replica')], runner: 'drill-host' },
    { name: 'a replica with a catalog', members: [m('p', 'primary'), m('r', 'replica')], runner: 'r' },
    { name: 'an answering replica before a down one', members: [m('r1', 'replica', 'down'), m('r2', 'replica')], runner: 'r2' },
    { name: 'a replica without a catalog is skipped', members: [m('p', 'primary'), m('r', 'replica', 'ok', false)], runner: 'p' },
    { name: 'the primary as the last resort', members: [m('p', 'primary')], runner: 'p' },
    { name: 'an unknown member is never chosen', members: [m('u', 'unknown')], runner: null },
    { name: 'nobody with a catalog', members: [m('p', 'primary', 'ok', false)], runner: null },
    { name: 'Patroni members are not agents', agentMembers: false, members: [m('r', 'replica')], runner: null },
  ];
  for (const t of cases) {
    it(t.name, () => {
      expect(pickDrillHost({ registeredUrl: t.registeredUrl ?? null, agentMembers: t.agentMembers ?? true, members: t.members })?.runner ?? null).toBe(t.runner);
    });
  }
});

describe('drillDue and storedDrillStatus', () => {
  const day = 86_400_000;
  const cases: { name: string; cadenceDays: (number | null)[]; last: number | null; due: boolean }[] = [
    { name: 'never drilled', cadenceDays: [7], last: null, due: true },
    { name: 'no cadence declared', cadenceDays: [null, 0], last: null, due: false },
    { name: 'inside the cadence', cadenceDays: [7], last: 6 * day, due: false },
    { name: 'past the cadence', cadenceDays: [7], last: 7 * day, due: true },
    { name: 'the shortest cadence counts', cadenceDays: [30, 3, null], last: 4 * day, due: true },
  ];
  for (const t of cases) {
    it(t.name, () => expect(drillDue({ cadenceDays: t.cadenceDays, lastFinishedAt: t.last === null ? null : new Date(now.getTime() - t.last), now })).toBe(t.due));
  }
  it('maps the agent status', () => {
    expect(['running', 'succeeded', 'failed', 'aborted'].map((s) => storedDrillStatus(s as never))).toEqual([null, 'SUCCEEDED', 'FAILED', 'ABORTED']);
  });
});
