import { describe, expect, it } from 'vitest';
import type { TClusterMemberView } from '@/lib/registry/read-clusters';
import { fleetSites, freePercent, hasNoWriter, maxLag, memberTone, primaries, roleBadge, severityBadge, sortClustersWorstFirst, stateTone, statusBadge, worstTone } from './health';

const member = (o: Partial<Parameters<typeof memberTone>[0] & { name: string; site: string; lagBytes: number | null; lagSeconds: number | null }> = {}) =>
  ({ name: 'n', site: 'oslo', status: 'ok', stale: false, role: 'replica', fenced: false, reachable: true, lagBytes: null, lagSeconds: null, ...o }) as TClusterMemberView;

describe('fleet health rules', () => {
  it('orders worst problem first: split-brain > primary down > degraded > unknown > healthy', () => {
    const sorted = sortClustersWorstFirst([
      { name: 'a', state: 'HEALTHY' as const },
      { name: 'b', state: 'UNKNOWN' as const },
      { name: 'c', state: 'DEGRADED' as const },
      { name: 'd', state: 'SPLIT_BRAIN' as const },
      { name: 'e', state: 'PRIMARY_DOWN' as const },
      { name: 'f', state: 'DEGRADED' as const },
    ]);
    expect(sorted.map((c) => c.name)).toEqual(['d', 'e', 'c', 'f', 'b', 'a']);
  });
  it.each([
    ['SPLIT_BRAIN', 'bad'],
    ['PRIMARY_DOWN', 'bad'],
    ['DEGRADED', 'warn'],
    ['UNKNOWN', 'unknown'],
    ['HEALTHY', 'ok'],
  ] as const)('state %s is %s', (s, tone) => expect(stateTone(s)).toBe(tone));
  const primaryOk = member({ name: 'p', role: 'primary' });
  const primaryDown = member({ name: 'p', role: 'primary', status: 'down' });
  const replica = member({ name: 'r' });
  it.each([
    ['a writable primary answers', { state: 'HEALTHY', members: [primaryOk, replica] }, false],
    ["DEGRADED with the primary's PostgreSQL down (engine still hears of it through a replica)", { state: 'DEGRADED', members: [primaryDown, replica] }, true],
    ['PRIMARY_DOWN', { state: 'PRIMARY_DOWN', members: [primaryDown, replica] }, true],
    ['the only primary is fenced', { state: 'DEGRADED', members: [member({ name: 'p', role: 'primary', fenced: true }), replica] }, true],
    ['stale: unknown, never red', { state: 'DEGRADED', stale: true, members: [primaryDown, replica] }, false],
    ['UNKNOWN: unknown, never red', { state: 'UNKNOWN', members: [member({ name: 'p', status: 'unknown', role: 'unknown' })] }, false],
    ['two writers still have a writer (split brain is red by its state)', { state: 'SPLIT_BRAIN', members: [primaryOk, member({ name: 'q', role: 'primary' })] }, false],
  ] as const)('no writable primary: %s -> %s', (_n, c, want) => expect(hasNoWriter(c)).toBe(want));
  it.each([
    [{ status: 'down' }, 'bad'],
    [{ status: 'unknown' }, 'unknown'],
    [{ status: 'never' }, 'unknown'],
    [{ stale: true }, 'warn'],
    [{ fenced: true }, 'warn'],
    [{}, 'ok'],
  ] as const)('member %j is %s', (o, tone) => expect(memberTone(member(o as never))).toBe(tone));
  it('worst tone, primaries, max lag, free percent, sites', () => {
    expect(worstTone(['ok', 'unknown', 'warn'])).toBe('warn');
    expect(worstTone([])).toBeNull();
    const c = {
      members: [
        member({ name: 'p', role: 'primary' }),
        member({ name: 'r1', lagBytes: 100, lagSeconds: 0.5 }),
        member({ name: 'r2', site: 'bergen', lagBytes: 4000, lagSeconds: 0.2 }),
        member({ name: 'x', role: 'primary', status: 'down' }),
      ],
    };
    expect(primaries(c).map((m) => m.name)).toEqual(['p']);
    expect(maxLag(c)).toEqual({ bytes: 4000, seconds: 0.5 });
    expect(maxLag({ members: [] })).toEqual({ bytes: null, seconds: null });
    expect(freePercent({ freeBytes: 25, totalBytes: 100 })).toBe(25);
    expect(freePercent({ freeBytes: null, totalBytes: 100 })).toBeNull();
    expect(fleetSites(['oslo'], [c])).toEqual(['oslo', 'bergen']);
  });
  it('badge classes of role, reachability and event severity', () => {
    expect([roleBadge('primary'), roleBadge('replica'), roleBadge('unknown')]).toEqual(['info', '', 'unknown']);
    expect([statusBadge('ok'), statusBadge('down'), statusBadge('never'), statusBadge('unknown')]).toEqual(['ok', 'bad', 'unknown', 'unknown']);
    expect([severityBadge('critical'), severityBadge('error'), severityBadge('warning'), severityBadge('info')]).toEqual(['bad', 'bad', 'warn', 'info']);
  });
});
