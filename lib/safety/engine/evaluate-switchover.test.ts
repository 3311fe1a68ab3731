// Planned switchover verdicts (docs/safety.md "Planned switchover"): one row per situation.
import { describe, expect, it } from 'vitest';
import { evaluateCluster } from './index';
import type { TMemberInput, TMemberObservation, TSafetyInput } from './types';
import { MiB, ago, ctx, lsn, primaryLost, primaryUp, rep, replica, scenario } from '../../../tests/support/safety-fixtures';

const P = 160 * MiB;
const addr = { replicationAddress: { host: '10.0.0.12', port: 5432 } };
const up = (replication = [rep('oslo-2', 'async', P)], p: Partial<TMemberObservation> = {}) => primaryUp('oslo-1', 'oslo', P, replication, p);
const oslo2 = (atBytes = P, p: Partial<TMemberObservation> & { streaming?: boolean } = {}) => replica('oslo-2', 'oslo', atBytes, { streaming: true, ...addr, ...p });
const healthy = (more: Partial<Parameters<typeof scenario>[0]> = {}, members: TMemberInput[] = [up(), oslo2()]): TSafetyInput => scenario({ members, ...more });

type TRow = { name: string; input: TSafetyInput; verdict: string; codes?: string[]; absent?: string[]; approvals?: number };
const rows: TRow[] = [
  { name: 'healthy primary, caught-up streaming replica: SAFE, one approval', input: healthy(), verdict: 'SAFE', codes: ['SWITCHOVER_READY'], approvals: 1 },
  {
    name: 'the failover verdict of the same cluster keeps PRIMARY_HEALTHY',
    input: healthy(),
    verdict: 'SAFE',
    absent: ['PRIMARY_HEALTHY'],
  },
  { name: 'primary down: SWITCHOVER_PRIMARY_NOT_HEALTHY', input: scenario({ members: [primaryLost('oslo-1', 'oslo', P, [rep('oslo-2', 'async', P)]), oslo2()] }), verdict: 'BLOCKED', codes: ['SWITCHOVER_PRIMARY_NOT_HEALTHY'] },
  { name: 'primary observation stale: not healthy', input: healthy({}, [up(undefined, { observedAt: ago(40) }), oslo2()]), verdict: 'BLOCKED', codes: ['SWITCHOVER_PRIMARY_NOT_HEALTHY'] },
  { name: 'candidate stale', input: healthy({}, [up(), oslo2(P, { observedAt: ago(40) })]), verdict: 'BLOCKED', codes: ['CANDIDATE_STALE'] },
  { name: 'candidate not streaming (receiver waiting, not listed)', input: healthy({}, [up([]), oslo2(P, { streaming: false })]), verdict: 'BLOCKED', codes: ['CANDIDATE_NOT_STREAMING'] },
  { name: 'listed streaming by the primary counts even when its receiver names no sender', input: healthy({}, [up(), oslo2(P, { streaming: false })]), verdict: 'SAFE' },
  { name: 'candidate 20 MiB behind: CANDIDATE_LAGGING', input: healthy({}, [up([rep('oslo-2', 'async', P - 20 * MiB)]), oslo2(P - 20 * MiB)]), verdict: 'BLOCKED', codes: ['CANDIDATE_LAGGING'] },
  { name: 'received but replay 20 MiB behind: lagging', input: healthy({}, [up(), oslo2(P, { replayLsn: lsn(P - 20 * MiB) })]), verdict: 'BLOCKED', codes: ['CANDIDATE_LAGGING'] },
  { name: 'positions unknown: lagging (fail closed)', input: healthy({}, [up(), oslo2(P, { receiveLsn: null, replayLsn: null, walReceiver: { status: 'streaming', flushedLsn: null } })]), verdict: 'BLOCKED', codes: ['CANDIDATE_LAGGING'] },
  { name: 'another system identifier', input: healthy({}, [up(), oslo2(P, { systemIdentifier: '42' })]), verdict: 'BLOCKED', codes: ['SYSTEM_IDENTIFIER_MISMATCH'] },
  { name: 'another timeline', input: healthy({}, [up(), oslo2(P, { timeline: 2 })]), verdict: 'BLOCKED', codes: ['TIMELINE_DIVERGED'] },
  { name: 'fenced candidate', input: healthy({}, [up(), oslo2(P, { fencing: { epoch: 1, fenced: true } })]), verdict: 'BLOCKED', codes: ['CANDIDATE_FENCED'] },
  { name: 'candidate clock skewed', input: healthy({}, [up(), oslo2(P, { clockSkewMs: 5000 })]), verdict: 'BLOCKED', codes: ['CLOCK_SKEW'] },
  { name: 'no replication address: the old primary could not follow', input: healthy({}, [up(), oslo2(P, { replicationAddress: null })]), verdict: 'BLOCKED', codes: ['CANDIDATE_NO_REPLICATION_ADDRESS'] },
  { name: 'operator-approved with 2 approvals', input: healthy({ contexts: [ctx({ failover: 'operator-approved', approvalsRequired: 2 })] }), verdict: 'GATED', codes: ['OPERATOR_APPROVAL'], approvals: 2 },
  { name: 'manual failover stays manual', input: healthy({ contexts: [ctx({ failover: 'manual' })] }), verdict: 'MANUAL', codes: ['FAILOVER_MANUAL'] },
  { name: 'no contexts: two approvals', input: healthy({ contexts: [] }), verdict: 'GATED', codes: ['NO_CONTEXTS'], approvals: 2 },
  { name: 'cross-site candidate where a context does not assume it', input: healthy({ contexts: [ctx({ crossSite: 'not-assumed' })] }, [up(), { ...oslo2(), site: 'bergen' }]), verdict: 'BLOCKED', codes: ['CROSS_SITE_NOT_ALLOWED'] },
  { name: 'Patroni: the same verdict (its POST /switchover runs it)', input: healthy({ kind: 'patroni' }), verdict: 'SAFE', codes: ['SWITCHOVER_READY'], absent: ['SWITCHOVER_UNSUPPORTED'] },
  { name: 'Patroni: no replication address needed (Patroni re-points the old leader)', input: healthy({ kind: 'patroni' }, [up(), oslo2(P, { replicationAddress: null })]), verdict: 'SAFE', absent: ['CANDIDATE_NO_REPLICATION_ADDRESS'] },
  {
    name: 'Patroni 3.0: streaming evidence from the leader\'s /patroni replication list',
    input: healthy({ kind: 'patroni' }, [up([], { patroni: { paused: false, state: 'running', members: [], streaming: ['oslo-2'] } }), oslo2(P, { streaming: false })]),
    verdict: 'SAFE',
    codes: ['SWITCHOVER_READY'],
  },
  {
    name: 'Patroni 3.0: the leader lists another member streaming, not the candidate',
    input: healthy({ kind: 'patroni' }, [up([], { patroni: { paused: false, state: 'running', members: [], streaming: ['oslo-3'] } }), oslo2(P, { streaming: false })]),
    verdict: 'BLOCKED',
    codes: ['CANDIDATE_NOT_STREAMING'],
  },
  { name: 'Patroni: a lagging candidate is still refused', input: healthy({ kind: 'patroni' }, [up([rep('oslo-2', 'async', P - 20 * MiB)]), oslo2(P - 20 * MiB)]), verdict: 'BLOCKED', codes: ['CANDIDATE_LAGGING'] },
  { name: 'Patroni: operator-approved with 1 approval', input: healthy({ kind: 'patroni', contexts: [ctx({ failover: 'operator-approved', approvalsRequired: 1 })] }), verdict: 'GATED', codes: ['OPERATOR_APPROVAL'], approvals: 1 },
  { name: 'a promote whose outcome is unknown blocks', input: healthy({ history: { promoting: { node: 'oslo-3', since: ago(10) } } }), verdict: 'BLOCKED', codes: ['CANDIDATE_PROMOTING'] },
  {
    name: 'split brain blocks',
    input: healthy({}, [up(), oslo2(), primaryUp('oslo-3', 'oslo', P, [], { fencing: { epoch: 0, fenced: false } })]),
    verdict: 'BLOCKED',
    codes: ['SPLIT_BRAIN'],
  },
];

describe('evaluateCluster: switchover.candidates', () => {
  it.each(rows)('$name', (row) => {
    const report = evaluateCluster(row.input);
    const c = report.switchover!.candidates.find((x) => x.node === 'oslo-2')!;
    const codes = c.reasons.map((r) => r.code);
    expect(c.verdict, codes.join(',')).toBe(row.verdict);
    for (const code of row.codes ?? []) expect(codes).toContain(code);
    for (const code of row.absent ?? []) expect(codes).not.toContain(code);
    if (row.approvals !== undefined) expect(c.approvalsRequired).toBe(row.approvals);
  });

  it('failover candidates keep PRIMARY_HEALTHY while the switchover is SAFE', () => {
    const report = evaluateCluster(healthy());
    expect(report.candidates[0].reasons.map((r) => r.code)).toContain('PRIMARY_HEALTHY');
    expect(report.candidates[0].verdict).toBe('BLOCKED');
    expect(report.switchover).toMatchObject({ primary: 'oslo-1', maxLagBytes: 16 * MiB });
    expect(report.switchover!.candidates[0]).toMatchObject({ node: 'oslo-2', verdict: 'SAFE', lagBytes: 0, replayLagBytes: 0 });
  });

  it('the lag bound is a setting', () => {
    const input = healthy({}, [up([rep('oslo-2', 'async', P - 2 * MiB)]), oslo2(P - 2 * MiB)]);
    expect(evaluateCluster(input).switchover!.candidates[0].verdict).toBe('SAFE');
    expect(evaluateCluster({ ...input, config: { ...input.config, switchoverMaxLagBytes: MiB } }).switchover!.candidates[0].verdict).toBe('BLOCKED');
  });
});
