import { describe, expect, it } from 'vitest';
import { needsBaseBackup, rejoinOffered, rejoinPlan, type TRejoinNodeView } from './rejoin-rules';

const addr = (port: number) => ({ host: '127.0.0.1', port });
const node = (name: string, s: Partial<NonNullable<TRejoinNodeView['status']>> | null): TRejoinNodeView => ({
  name,
  status: s === null ? null : { reachable: true, role: 'replica', fenced: false, fencingEpoch: 3, timeline: 2, replicationAddress: addr(5000), ...s },
});
const primaryB = node('b', { role: 'primary', timeline: 3, replicationAddress: addr(5001) });

describe('rejoinPlan', () => {
  const cases: [string, TRejoinNodeView[], ReturnType<typeof rejoinPlan> | { ok: false; code: string }][] = [
    ['fenced old primary at the epoch: rewind', [node('a', { reachable: false, role: 'unknown', fenced: true }), primaryB], { ok: true, fenceFirst: false, primary: 'b', primaryAddress: addr(5001), primaryTimeline: 3 }],
    ['replica on the old timeline, not fenced: fence first', [node('a', {}), primaryB], { ok: true, fenceFirst: true, primary: 'b', primaryAddress: addr(5001), primaryTimeline: 3 }],
    ['fenced at an older epoch: fence again first', [node('a', { fenced: true, fencingEpoch: 2, reachable: false, role: 'unknown' }), primaryB], { ok: true, fenceFirst: true, primary: 'b', primaryAddress: addr(5001), primaryTimeline: 3 }],
    ['the member is the writable primary', [node('a', { role: 'primary' }), node('b', {})], { ok: false, code: 'MEMBER_IS_PRIMARY' }],
    ['the member answers as a primary although fenced', [node('a', { role: 'primary', fenced: true }), primaryB], { ok: false, code: 'MEMBER_IS_PRIMARY' }],
    ['the member does not answer', [node('a', null), primaryB], { ok: false, code: 'AGENT_UNREACHABLE' }],
    ['no other primary', [node('a', { fenced: true }), node('b', {})], { ok: false, code: 'NO_PRIMARY' }],
    ['a fenced primary is not a primary to follow', [node('a', { fenced: true }), node('b', { role: 'primary', fenced: true })], { ok: false, code: 'NO_PRIMARY' }],
    ['two primaries', [node('a', { fenced: true }), primaryB, node('c', { role: 'primary' })], { ok: false, code: 'SPLIT_BRAIN' }],
    ['the primary has no replication address', [node('a', { fenced: true }), node('b', { role: 'primary', replicationAddress: null })], { ok: false, code: 'NO_REPLICATION_ADDRESS' }],
    ['the agent knows a newer epoch', [node('a', { fenced: true, fencingEpoch: 4 }), primaryB], { ok: false, code: 'NEWER_EPOCH' }],
  ];
  it.each(cases)('%s', (_name, nodes, expected) => {
    const plan = rejoinPlan({ member: 'a', epoch: 3, nodes });
    expect(plan).toMatchObject(expected);
  });
});

describe('rejoinOffered (the cluster page offers Request rejoin)', () => {
  it.each([
    ['fenced old primary, stopped', [node('a', { reachable: false, role: 'unknown', fenced: true }), primaryB], true],
    ['replica on the old timeline', [node('a', { timeline: 2 }), primaryB], true],
    ['unfenced member whose PostgreSQL does not answer', [node('a', { reachable: false, role: 'unknown', timeline: null }), primaryB], true],
    ['fenced replica on the primary timeline (a rejoin that stopped)', [node('a', { fenced: true, timeline: 3 }), primaryB], true],
    ['healthy replica on the primary timeline', [node('a', { timeline: 3 }), primaryB], false],
    ['the primary itself', [node('a', { timeline: 2 }), primaryB].reverse(), false],
    ['no primary to follow', [node('a', { fenced: true }), node('b', {})], false],
    ['agent silent', [node('a', null), primaryB], false],
  ] as const)('%s -> %s', (_n, nodes, expected) => {
    const member = _n === 'the primary itself' ? 'b' : 'a';
    expect(rejoinOffered({ member, epoch: 3, nodes: [...nodes] }) !== null).toBe(expected);
  });
});

describe('needsBaseBackup', () => {
  it.each([
    ['REWIND_NOT_POSSIBLE', true],
    ['REWIND_FAILED', true],
    ['RUNNING', false],
    ['NOT_FENCED', false],
    ['TIMEOUT', false],
  ])('%s -> %s', (code, expected) => expect(needsBaseBackup(code as string)).toBe(expected));
});
