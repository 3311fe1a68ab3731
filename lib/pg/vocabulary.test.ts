import { describe, expect, it } from 'vitest';
import { ZNodeRole, ZNodeStatus, ZTimeline, toIso, toMs, type TInstant } from './vocabulary';
import { CLUSTER_KINDS, ZClusterKind, clusterKindFromDb, clusterKindToDb } from './cluster-kind';

describe('toMs / toIso', () => {
  const ms = Date.parse('2026-03-20T12:00:00.000Z');
  it.each<[TInstant | null | undefined, number | null]>([
    [new Date(ms), ms],
    [ms, ms],
    [0, 0],
    ['2026-03-20T12:00:00Z', ms],
    ['2026-03-20T14:00:00+02:00', ms],
    ['2026-03-20T12:00:00.000Z', ms],
    [null, null],
    [undefined, null],
    ['', null],
    ['not a time', null],
    [new Date('garbage'), null],
    [Number.NaN, null],
    [Number.POSITIVE_INFINITY, null],
  ])('toMs(%j) = %j', (t, expected) => {
    expect(toMs(t)).toBe(expected);
    expect(toIso(t)).toBe(expected === null ? null : new Date(expected).toISOString());
  });

  it('toIso spells UTC with milliseconds', () => {
    expect(toIso('2026-03-20T14:00:00+02:00')).toBe('2026-03-20T12:00:00.000Z');
  });
});

describe('roles, statuses, timelines', () => {
  it.each([
    [ZNodeRole, ['primary', 'replica', 'unknown'], ['master', 'standby', '', null]],
    [ZNodeStatus, ['ok', 'down', 'unknown'], ['stale', 'up', '', null]],
    [ZTimeline, [1, 2, 9999], [0, -1, 1.5, '1', null]],
  ] as const)('%#: accepts and refuses', (schema, good, bad) => {
    for (const v of good) expect(schema.safeParse(v).success).toBe(true);
    for (const v of bad) expect(schema.safeParse(v).success).toBe(false);
  });
});

describe('cluster kinds', () => {
  it.each([
    ['vakt-agent', 'vakt_agent'],
    ['patroni', 'patroni'],
  ] as const)('%s <-> %s', (api, dbKind) => {
    expect(ZClusterKind.parse(api)).toBe(api);
    expect(clusterKindToDb(api)).toBe(dbKind);
    expect(clusterKindFromDb(dbKind)).toBe(api);
  });

  it('knows exactly two kinds and refuses others', () => {
    expect(CLUSTER_KINDS).toEqual(['vakt-agent', 'patroni']);
    expect(ZClusterKind.safeParse('vakt_agent').success).toBe(false);
    expect(ZClusterKind.safeParse('cnpg').success).toBe(false);
  });
});
