import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapAgentStatus } from './adapter-vakt-agent';
import { mapPatroni, patroniFacts } from './adapter-patroni';
import { bytesToLsn } from '@/lib/pg';
import { withReplicaLag } from './replica-lag';

const fx = (f: string) => JSON.parse(readFileSync(path.join(import.meta.dirname, '../../tests/fixtures/telemetry', f), 'utf8'));
const at = new Date('2025-03-01T08:10:01Z');

describe('bytesToLsn', () => {
  it.each([
    [0, '0/0'],
    [67109208, '0/4000158'],
    [0x16b374d848, '16/B374D848'],
  ])('%d -> %s', (n, lsn) => expect(bytesToLsn(n)).toBe(lsn));
});

describe('Patroni mapping (3.0 and 4.x answers)', () => {
  it.each([
    ['patroni-3.0-leader.json', 'pg1', { status: 'ok', role: 'primary', timeline: 2, lsn: '0/4000158', receiveLsn: null, replayLsn: null, lagBytes: null, syncState: null, paused: true, systemIdentifier: '7364123456789012345' }],
    ['patroni-3.0-replica.json', 'pg2', { status: 'ok', role: 'replica', timeline: 2, lsn: null, receiveLsn: '0/4000158', replayLsn: '0/4000148', lagBytes: 16, syncState: 'async', paused: false }],
    ['patroni-4-leader.json', 'pg1', { status: 'ok', role: 'primary', timeline: 3, lsn: '0/5000148', lagBytes: null, paused: false }],
    ['patroni-4-replica.json', 'pg2', { status: 'ok', role: 'replica', timeline: 3, receiveLsn: '0/5000148', replayLsn: '0/5000080', lagBytes: 200, syncState: 'sync', paused: true }],
    ['patroni-4-stopped.json', 'pg2', { status: 'down', role: 'unknown', error: 'Patroni reports PostgreSQL stopped', lagBytes: null }],
  ])('%s as %s', (file, name, want) => {
    const o = mapPatroni({ name }, fx(file), at);
    expect(o).toMatchObject(want);
    expect(o.fenced).toBe(false);
    expect(o.observedAt).toBe(at);
  });
  it('reads lag "unknown" as unknown lag', () => {
    const a = fx('patroni-3.0-leader.json');
    a.patroni = { ...a.patroni, role: 'replica', xlog: { received_location: 1, replayed_location: 1 } };
    expect(mapPatroni({ name: 'pg3' }, a, at)).toMatchObject({ role: 'replica', lagBytes: null });
  });
  it('contradictions and garbage make the node unknown with a reason', () => {
    const a = fx('patroni-4-leader.json');
    expect(mapPatroni({ name: 'pg9' }, a, at)).toMatchObject({ status: 'unknown', error: expect.stringMatching(/member "pg1", registered as "pg9"/) });
    const b = fx('patroni-3.0-leader.json');
    b.patroni.role = 'replica';
    b.patroni.xlog = { received_location: 1, replayed_location: 1 };
    expect(mapPatroni({ name: 'pg1' }, b, at)).toMatchObject({ status: 'unknown', error: expect.stringMatching(/contradict/) });
    expect(mapPatroni({ name: 'pg1' }, { cluster: 'nope', patroni: {}, history: [] }, at)).toMatchObject({ status: 'unknown', error: expect.stringMatching(/\/cluster answer not understood/) });
    expect(mapPatroni({ name: 'pg1' }, { cluster: { members: [] }, patroni: { role: 1 }, history: [] }, at)).toMatchObject({ status: 'unknown' });
  });
  it('keeps the history in the payload', () => {
    const o = mapPatroni({ name: 'pg1' }, fx('patroni-4-leader.json'), at);
    expect((o.payload as { history: unknown[] }).history).toHaveLength(2);
  });
});

describe('Patroni streaming evidence and facts (patroniFacts)', () => {
  it('a 4.x replica that says it streams: walReceiver streaming from the leader its /cluster names', () => {
    expect(patroniFacts(fx('patroni-4-replica.json'), 'pg2')).toEqual({
      patroni: { paused: true, state: 'running', members: [{ name: 'pg1', role: 'leader', state: 'running' }, { name: 'pg2', role: 'sync_standby', state: 'streaming' }] },
      walReceiver: { status: 'streaming', senderNode: 'pg1', receivedTimeline: 3, flushedLsn: '0/5000148', lastMsgReceiptTime: null },
    });
  });
  it('a 3.0.2 replica reports no replication state: no walReceiver, but its /cluster lists the leader (real answer shape)', () => {
    expect(patroniFacts(fx('patroni-3.0-replica.json'), 'pg2')).toMatchObject({ walReceiver: null, patroni: { paused: false, members: expect.arrayContaining([{ name: 'pg1', role: 'leader', state: 'running' }]) } });
  });
  it('a real 3.0.2 replica after the leader key expired in pause mode: no leader listed, no walReceiver', () => {
    expect(patroniFacts(fx('patroni-3.0-replica-unlocked.json'), 'pg2')).toEqual({
      patroni: { paused: true, state: 'running', members: [{ name: 'pg2', role: 'replica', state: 'running' }] },
      walReceiver: null,
    });
  });
  it('streaming with no leader listed: sender unknown (the engine counts it as the expected primary); replicatefrom names the sender', () => {
    const a = fx('patroni-4-replica.json');
    a.cluster.members = a.cluster.members.filter((m: { name: string }) => m.name !== 'pg1');
    expect(patroniFacts(a, 'pg2')!.walReceiver).toMatchObject({ status: 'streaming', senderNode: null });
    a.cluster.members[0].tags = { replicatefrom: 'pg3' };
    expect(patroniFacts(a, 'pg2')!.walReceiver).toMatchObject({ senderNode: 'pg3' });
  });
  it('a stopped member: its state, no walReceiver; an agent payload or garbage: null', () => {
    expect(patroniFacts(fx('patroni-4-stopped.json'), 'pg2')).toMatchObject({ walReceiver: null, patroni: { state: 'stopped' } });
    expect(patroniFacts(fx('agent-primary.json'), 'pg1')).toBeNull();
    expect(patroniFacts(null, 'pg1')).toBeNull();
    expect(patroniFacts({ cluster: 'x', patroni: {} }, 'pg1')).toBeNull();
  });
});

describe('Vakt agent mapping', () => {
  const good = fx('agent-primary.json');
  const replica = {
    ...good,
    agent: { ...good.agent, name: 'bergen-1' },
    node: { name: 'bergen-1', site: 'bergen' },
    postgres: { ...good.postgres, role: 'replica', currentLsn: null, receiveLsn: '0/3000148', replayLsn: '0/3000100', replication: [] },
  };
  it.each([
    ['primary', 'oslo-1', good, { status: 'ok', role: 'primary', lsn: '0/3000148', timeline: 1, fenced: false, fenceEpoch: 0, freeBytes: 60000000000 }],
    ['replica', 'bergen-1', replica, { status: 'ok', role: 'replica', replayLsn: '0/3000100', receiveLsn: '0/3000148', lsn: null }],
    ['postgres down', 'oslo-1', { ...good, postgres: { reachable: false, error: 'connection refused', role: 'unknown' } }, { status: 'down', role: 'unknown', error: 'connection refused' }],
    ['fenced', 'oslo-1', { ...good, fencing: { epoch: 4, fenced: true } }, { fenced: true, fenceEpoch: 4 }],
    ['garbage', 'oslo-1', { hello: 'world' }, { status: 'unknown', error: expect.stringMatching(/does not match protocol/) }],
    ['wrong protocol', 'oslo-1', { ...good, protocol: 'vakt.agent/v2' }, { status: 'unknown' }],
    ['name mismatch', 'oslo-2', good, { status: 'unknown', error: expect.stringMatching(/reports node "oslo-1" but is registered as "oslo-2"/) }],
    ['primary without LSN', 'oslo-1', { ...good, postgres: { ...good.postgres, currentLsn: null } }, { status: 'unknown', error: expect.stringMatching(/primary without a current LSN/) }],
    ['replica without LSNs', 'bergen-1', { ...replica, postgres: { ...replica.postgres, receiveLsn: null, replayLsn: null } }, { status: 'unknown', error: expect.stringMatching(/replica without/) }],
  ])('%s', (_n, name, json, want) => {
    expect(mapAgentStatus({ name }, json, at)).toMatchObject(want);
  });
  it('replica lag: from the primary pg_stat_replication row, else LSN difference', () => {
    const o = mapAgentStatus({ name: 'bergen-1' }, replica, at);
    expect(withReplicaLag(o, 'bergen-1', { name: 'oslo-1', lsn: '0/3000148', replication: good.postgres.replication })).toMatchObject({ lagBytes: 72, lagSeconds: 0.25, syncState: 'async' });
    expect(withReplicaLag(o, 'bergen-1', { name: 'oslo-1', lsn: '0/3000148', replication: [] })).toMatchObject({ lagBytes: 0x48, lagSeconds: null });
    expect(withReplicaLag(o, 'bergen-1', null)).toMatchObject({ lagBytes: null });
  });
});
