import { describe, expect, it } from 'vitest';
import { clusterEvents, clusterSignals, nodeEvents, type TPrevObservation } from './derive-events';
import { deriveClusterStateOf, evaluateCluster, type TMemberInput, type TSafetyInput } from '@/lib/safety/engine';
import { unknownObservation, type TObservation } from './observation';
import { nextPollAt } from './store-observations';
import { backupSummary } from '../registry/read-clusters';
import type { TNodeRole, TNodeStatus } from '@/lib/pg';

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

// The cluster state telemetry shows (API, pages, metrics) is the safety engine's: the situations the
// removed simpleClusterState covered, with the engine's answer (deriveClusterStateOf, as read-clusters
// and fleet-metrics call it).
describe('cluster state shown by telemetry = the safety engine state', () => {
  const now = Date.parse('2025-01-01T00:00:10Z');
  const fresh = new Date(now - 1000);
  const old = new Date(now - 60_000);
  const m = (name: string, status: TNodeStatus, role: TNodeRole, observedAt: Date | null = fresh, timeline = 1, systemIdentifier = 'S'): TMemberInput => ({
    name,
    site: 'oslo',
    lastGood: null,
    observation: observedAt
      ? { observedAt, lastOkAt: status === 'ok' ? observedAt : null, status, role, timeline, systemIdentifier, currentLsn: null, receiveLsn: null, replayLsn: null, lastReplayAt: null, replication: [], walReceiver: null, fencing: null, synchronousStandbyNames: null }
      : null,
  });
  const input = (members: TMemberInput[]): TSafetyInput => ({
    cluster: { name: 'c', kind: 'vakt-agent', epoch: 0 },
    now,
    config: { staleAfterSeconds: 15 },
    members,
    history: { expectedPrimary: null, primaryDownSince: null, previousPromotion: null },
    contexts: [],
  });
  it.each([
    ['healthy', [m('a', 'ok', 'primary'), m('b', 'ok', 'replica')], 'HEALTHY'],
    ['replica down', [m('a', 'ok', 'primary'), m('b', 'unknown', 'unknown')], 'DEGRADED'],
    ['replica stale', [m('a', 'ok', 'primary'), m('b', 'ok', 'replica', old)], 'DEGRADED'],
    ['primary down', [m('a', 'down', 'unknown'), m('b', 'ok', 'replica')], 'PRIMARY_DOWN'],
    ['split brain', [m('a', 'ok', 'primary'), m('b', 'ok', 'primary', fresh, 2)], 'SPLIT_BRAIN'],
    // a replica of another system is no second writer, but a split-brain signal: DEGRADED with an alarm
    ['different systems', [m('a', 'ok', 'primary'), m('b', 'ok', 'replica', fresh, 1, 'T')], 'DEGRADED'],
    ['replica ahead on a newer timeline', [m('a', 'ok', 'primary'), m('b', 'ok', 'replica', fresh, 2)], 'DEGRADED'],
    ['nothing fresh', [m('a', 'ok', 'primary', old)], 'UNKNOWN'],
    ['never polled', [m('a', 'ok', 'primary', null)], 'UNKNOWN'],
    ['no members', [], 'UNKNOWN'],
  ] as const)('%s', (_n, members, want) => {
    const i = input([...members]);
    expect(deriveClusterStateOf(i).state).toBe(want);
    expect(evaluateCluster(i).state).toBe(want);
  });
  it('names the split-brain signal in the alarms', () => {
    expect(evaluateCluster(input([m('a', 'ok', 'primary'), m('b', 'ok', 'replica', fresh, 1, 'T')])).alarms.map((a) => a.code)).toContain('SYSTEM_IDENTIFIER_MISMATCH');
    expect(evaluateCluster(input([m('a', 'ok', 'primary'), m('b', 'ok', 'replica', fresh, 2)])).alarms.map((a) => a.code)).toContain('TIMELINE_DIVERGED');
  });
});

describe('nextPollAt', () => {
  const now = new Date('2025-01-01T00:00:10Z');
  it('keeps the phase when on time', () => expect(nextPollAt(new Date('2025-01-01T00:00:09.5Z'), now, 5000).toISOString()).toBe('2025-01-01T00:00:14.500Z'));
  it('re-spreads a node that fell behind', () => {
    const n = nextPollAt(new Date('2025-01-01T00:00:00Z'), now, 5000, () => 0.5);
    expect(n.getTime() - now.getTime()).toBe(6250);
  });
});

describe('backupSummary (member view: last backup)', () => {
  const b = (stoppedAt: string, error?: boolean) => ({ label: stoppedAt, type: 'full', startedAt: stoppedAt, stoppedAt, sizeBytes: 1, repoSizeBytes: 1, walStart: null, walStop: null, ...(error === undefined ? {} : { error }) });
  const catalog = (backups: unknown[]) => ({ backups: { tool: 'pgbackrest', stanza: 'main', status: { code: 0, message: 'ok' }, walArchiveMin: null, walArchiveMax: null, backups } });
  it.each([
    ['newest successful stop time, all counted', catalog([b('2025-01-01T01:00:00Z'), b('2025-01-02T03:04:05+01:00'), b('2025-01-03T00:00:00Z', true)]), { lastBackupAt: '2025-01-02T02:04:05.000Z', backupCount: 3 }],
    ['empty catalog', catalog([]), { lastBackupAt: null, backupCount: 0 }],
    ['only failed backups', catalog([b('2025-01-03T00:00:00Z', true)]), { lastBackupAt: null, backupCount: 1 }],
    ['no catalog reported', { backups: null }, { lastBackupAt: null, backupCount: null }],
    ['no payload', null, { lastBackupAt: null, backupCount: null }],
  ])('%s', (_n, payload, want) => expect(backupSummary(payload)).toEqual(want));
});
