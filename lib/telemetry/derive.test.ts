import { describe, expect, it } from 'vitest';
import { clusterEvents, clusterSignals, nodeEvents, type TPrevObservation } from './derive-events';
import { simpleClusterState } from './cluster-state';
import { unknownObservation, type TObservation } from './observation';
import { nextPollAt } from './store-observations';

const ok = (o: Partial<TObservation>): TObservation => ({ ...unknownObservation(''), status: 'ok', error: null, role: 'replica', timeline: 1, ...o });
const prev = (o: Partial<NonNullable<TPrevObservation>>): TPrevObservation => ({ status: 'ok', role: 'replica', timeline: 1, systemIdentifier: '1', fenced: false, fenceEpoch: 0, error: null, ...o });

describe('nodeEvents', () => {
  it.each([
    ['unchanged', prev({}), ok({ systemIdentifier: '1', fenceEpoch: 0 }), []],
    ['unreachable', prev({}), unknownObservation('agent timed out'), ['node.unreachable']],
    ['down', prev({}), { ...unknownObservation('refused'), status: 'down' as const }, ['node.down']],
    ['recovered', prev({ status: 'unknown', role: 'unknown' }), ok({}), ['node.recovered']],
    ['role change', prev({ role: 'replica' }), ok({ role: 'primary', timeline: 2 }), ['node.role_changed', 'node.timeline_changed']],
    ['fenced', prev({}), ok({ fenced: true, fenceEpoch: 3 }), ['node.fenced']],
    ['no role change from unknown', prev({ role: 'unknown', status: 'unknown' }), ok({ role: 'primary' }), ['node.recovered']],
    ['first seen', null, ok({}), ['node.first_seen']],
    ['first seen unknown', null, unknownObservation('x'), ['node.first_seen', 'node.unreachable']],
  ])('%s', (_n, p, next, kinds) => {
    expect(nodeEvents('n1', p, next).map((e) => e.kind)).toEqual(kinds);
  });
});

describe('clusterEvents', () => {
  const m = (name: string, role: string, timeline = 1, systemIdentifier = 'S', status = 'ok') => ({ name, role, timeline, systemIdentifier, status, fenced: false });
  it.each([
    ['split brain', [m('a', 'primary'), m('b', 'replica')], [m('a', 'primary'), m('b', 'primary', 2)], ['cluster.split_brain', 'cluster.timelines_diverged']],
    ['primary lost', [m('a', 'primary'), m('b', 'replica')], [m('a', 'primary', 1, 'S', 'unknown'), m('b', 'replica')], ['cluster.no_primary']],
    ['failover done', [m('a', 'primary', 1, 'S', 'unknown'), m('b', 'replica')], [m('a', 'primary', 1, 'S', 'unknown'), m('b', 'primary', 2)], ['cluster.primary_count_changed']],
    ['system ids', [m('a', 'primary'), m('b', 'replica')], [m('a', 'primary'), m('b', 'replica', 1, 'T')], ['cluster.system_identifiers_diverged']],
    ['nothing', [m('a', 'primary')], [m('a', 'primary')], []],
  ])('%s', (_n, before, after, kinds) => {
    expect(clusterEvents(clusterSignals(before), clusterSignals(after)).map((e) => e.kind)).toEqual(kinds);
  });
});

describe('simpleClusterState', () => {
  const now = Date.parse('2025-01-01T00:00:10Z');
  const fresh = new Date(now - 1000);
  const old = new Date(now - 60_000);
  const s = (status: string, role: string, observedAt: Date | null = fresh, timeline = 1, systemIdentifier = 'S') => ({ status, role, timeline, systemIdentifier, observedAt });
  it.each([
    ['healthy', [s('ok', 'primary'), s('ok', 'replica')], 'HEALTHY'],
    ['replica down', [s('ok', 'primary'), s('unknown', 'unknown')], 'DEGRADED'],
    ['replica stale', [s('ok', 'primary'), s('ok', 'replica', old)], 'DEGRADED'],
    ['primary down', [s('down', 'unknown'), s('ok', 'replica')], 'PRIMARY_DOWN'],
    ['split brain', [s('ok', 'primary'), s('ok', 'primary', fresh, 2)], 'SPLIT_BRAIN'],
    ['different systems', [s('ok', 'primary'), s('ok', 'replica', fresh, 1, 'T')], 'SPLIT_BRAIN'],
    ['nothing fresh', [s('ok', 'primary', old)], 'UNKNOWN'],
    ['never polled', [s('ok', 'primary', null)], 'UNKNOWN'],
    ['no members', [], 'UNKNOWN'],
  ])('%s', (_n, members, want) => expect(simpleClusterState(members, now, 15_000)).toBe(want));
});

describe('nextPollAt', () => {
  const now = new Date('2025-01-01T00:00:10Z');
  it('keeps the phase when on time', () => expect(nextPollAt(new Date('2025-01-01T00:00:09.5Z'), now, 5000).toISOString()).toBe('2025-01-01T00:00:14.500Z'));
  it('re-spreads a node that fell behind', () => {
    const n = nextPollAt(new Date('2025-01-01T00:00:00Z'), now, 5000, () => 0.5);
    expect(n.getTime() - now.getTime()).toBe(6250);
  });
});
