import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fakeStatus } from '@/tests/support/fake-agent';
import { toMemberObservation, type TStoredObservation } from './observation-mapping';

// What the poller stored -> what the engine judges. An unknown member's stored payload is the answer
// it gave earlier (the poller keeps it for display): none of it is current.
const at = new Date('2026-03-20T12:00:00Z');
const earlier = new Date('2026-03-20T11:00:00Z');
const primaryAnswer = (settings: Record<string, unknown> = {}, fenced = true) => {
  const s = fakeStatus({ name: 'oslo-1', site: 'oslo', role: 'primary', timeline: 3, lsn: 0x5000000, behaviour: 'ok', fenced, epoch: 4 }, [
    { name: 'oslo-1', site: 'oslo', role: 'primary', timeline: 3, lsn: 0x5000000, behaviour: 'ok' },
    { name: 'oslo-2', site: 'oslo', role: 'replica', timeline: 3, lsn: 0x4000000, behaviour: 'ok' },
  ]);
  return { ...s, postgres: { ...s.postgres, settings: { ...s.postgres.settings!, ...settings } } };
};
const stored = (o: Partial<TStoredObservation>): TStoredObservation => ({
  observedAt: at,
  status: 'ok',
  role: 'primary',
  timeline: 3,
  systemIdentifier: '7000000000000000001',
  lsn: '0/5000000',
  fenced: true,
  fenceEpoch: 4,
  lastOkAt: at,
  payload: primaryAnswer(),
  ...o,
});

describe('toMemberObservation: an unknown member carries no facts of an earlier answer as current', () => {
  it.each([
    { name: 'agent unreachable: the hour-old answer (fenced, primary, positions) is not now', o: stored({ status: 'unknown', error: 'agent timed out', role: 'unknown', lsn: null, lastOkAt: earlier }) },
    { name: 'agent unreachable, role column still primary from an old row: not now either', o: stored({ status: 'unknown', error: 'agent timed out', lastOkAt: earlier }) },
    {
      name: 'CLOCK_SKEW: the skewed answer itself is not trusted',
      o: stored({ status: 'unknown', error: "CLOCK_SKEW: agent clock is 5000 ms ahead of Vakt's database", role: 'unknown', lsn: null, clockSkewMs: 5000, lastOkAt: earlier }),
    },
  ])('$name', ({ o }) => {
    const m = toMemberObservation(o);
    expect(m).toMatchObject({
      status: 'unknown',
      role: 'unknown',
      fencing: null,
      timeline: null,
      currentLsn: null,
      receiveLsn: null,
      replayLsn: null,
      lastReplayAt: null,
      replication: [],
      walReceiver: null,
      synchronousStandbyNames: null,
      synchronousCommit: null,
      synchronousCommitOverrides: null,
      observedAt: at,
      lastOkAt: earlier,
      systemIdentifier: '7000000000000000001',
    });
    expect(m.error).toBe(o.error);
    expect(m.clockSkewMs).toBe(o.clockSkewMs ?? null);
  });

  it('an ok member: its answer is current (fencing, role, positions, replication) and its skew is shown', () => {
    const m = toMemberObservation(stored({ clockSkewMs: -40 }));
    expect(m).toMatchObject({ status: 'ok', role: 'primary', fencing: { epoch: 4, fenced: true }, currentLsn: '0/5000000', timeline: 3, clockSkewMs: -40 });
    expect(m.replication.map((r) => r.applicationName)).toEqual(['oslo-2']);
  });
});

describe('toMemberObservation: synchronous_commit is the server setting, with every override', () => {
  it.each([
    {
      name: 'the agent reports the server setting and overrides: both passed on',
      settings: { synchronousCommit: 'on', serverSynchronousCommit: 'on', synchronousCommitOverrides: [{ role: 'batch', database: null, value: 'local' }] },
      want: { synchronousCommit: 'on', synchronousCommitOverrides: [{ role: 'batch', database: null, value: 'local' }] },
    },
    { name: 'no overrides anywhere: an empty list (reported, none)', settings: { serverSynchronousCommit: 'remote_apply', synchronousCommitOverrides: [] }, want: { synchronousCommit: 'remote_apply', synchronousCommitOverrides: [] } },
    {
      name: 'an older agent (only its own session value): not reported',
      settings: { synchronousCommit: 'on', serverSynchronousCommit: undefined, synchronousCommitOverrides: undefined },
      want: { synchronousCommit: null, synchronousCommitOverrides: null },
    },
    {
      name: "the agent's own role overrides it and pg_file_settings is not granted: server unknown, never the role's value",
      settings: { synchronousCommit: 'off', serverSynchronousCommit: null, synchronousCommitOverrides: [{ role: 'vakt_agent', database: null, value: 'off' }] },
      want: { synchronousCommit: null, synchronousCommitOverrides: [{ role: 'vakt_agent', database: null, value: 'off' }] },
    },
    { name: 'pg_db_role_setting not readable: overrides not reported', settings: { serverSynchronousCommit: 'on', synchronousCommitOverrides: null }, want: { synchronousCommit: 'on', synchronousCommitOverrides: null } },
  ])('$name', ({ settings, want }) => expect(toMemberObservation(stored({ payload: primaryAnswer(settings) }))).toMatchObject(want));
});

describe('toMemberObservation: a Patroni answer', () => {
  const patroni = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../tests/fixtures/telemetry/patroni-4-replica.json'), 'utf8'));
  it('carries its streaming evidence (walReceiver from the leader its /cluster names) and its Patroni facts', () => {
    const m = toMemberObservation(stored({ role: 'replica', lsn: '0/5000148', fenced: false, fenceEpoch: null, payload: patroni }), 'pg2');
    expect(m.walReceiver).toEqual({ status: 'streaming', senderNode: 'pg1', receivedTimeline: 3, flushedLsn: '0/5000148', lastMsgReceiptTime: null });
    expect(m.patroni).toMatchObject({ paused: true, state: 'running' });
    expect(m.fencing).toBeNull();
  });
  it('unknown: nothing of it is current', () => {
    const m = toMemberObservation(stored({ status: 'unknown', role: 'unknown', payload: patroni }), 'pg2');
    expect(m.walReceiver).toBeNull();
    expect(m.patroni).toBeUndefined();
  });
});

describe('toMemberObservation: the Vakt agent beside a Patroni member (payload.fenceAgent, written on every poll)', () => {
  const patroni = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../tests/fixtures/telemetry/patroni-4-replica.json'), 'utf8'));
  // the agent answers; its PostgreSQL does not
  const agentDown = () => {
    const s = fakeStatus({ name: 'pg1', site: 'oslo', role: 'primary', timeline: 3, lsn: 0x5000000, behaviour: 'ok', fenced: false, epoch: 1 }, []);
    return { ...s, postgres: { reachable: false, error: 'connect ECONNREFUSED', role: 'unknown' as const } };
  };
  it('Patroni unreachable, the agent answered: its facts are current (fencing, PostgreSQL down), nothing of Patroni is', () => {
    const m = toMemberObservation(stored({ status: 'unknown', error: 'Patroni unusable: connect ECONNREFUSED', role: 'unknown', lsn: null, payload: { fenceAgent: { answered: true, status: agentDown() } } }), 'pg1');
    expect(m.status).toBe('unknown');
    expect(m.fenceAgent).toMatchObject({ answered: true, postgresReachable: false, role: 'unknown', fencing: { epoch: 1, fenced: false }, walReceiver: null });
    expect(m.fencing).toBeNull();
  });
  it('the agent did not answer: answered false with its error', () => {
    const m = toMemberObservation(stored({ role: 'replica', lsn: '0/5000148', fenced: false, fenceEpoch: null, payload: { ...patroni, fenceAgent: { answered: false, error: 'agent timed out' } } }), 'pg2');
    expect(m.fenceAgent).toEqual({ answered: false, error: 'agent timed out', postgresReachable: null, role: 'unknown', fencing: null, walReceiver: null });
    expect(m.walReceiver).toMatchObject({ status: 'streaming', senderNode: 'pg1' });
  });
  it('an answer that does not match the protocol is no answer', () => {
    const m = toMemberObservation(stored({ status: 'unknown', role: 'unknown', payload: { fenceAgent: { answered: true, status: { protocol: 'other' } } } }), 'pg1');
    expect(m.fenceAgent).toMatchObject({ answered: false, error: 'the Vakt agent answer does not match the protocol' });
  });
  it('no fence agent registered: none', () => {
    expect(toMemberObservation(stored({ role: 'replica', payload: patroni }), 'pg2').fenceAgent).toBeUndefined();
  });
});

