// A planned switchover's stopped primary (history.stoppedPrimary): an observation of it from before the
// stop is no second writer (no SPLIT_BRAIN), and every sequence where it really may write still is.
import { describe, expect, it } from 'vitest';
import { deriveClusterStateOf } from './derive-cluster-state';
import type { TClusterHistory, TMemberInput, TMemberObservation } from './types';
import { MiB, ago, lsn, observation, primaryUp, rep, replica, scenario } from '../../../tests/support/safety-fixtures';

// oslo-1 was the primary (epoch 1, timeline 1, WAL at P); the switchover to oslo-2 claimed epoch 2 and
// proved oslo-1 stopped 3 s ago at final position P; oslo-2 promoted onto timeline 2.
const P = 160 * MiB;
const STOP = { node: 'oslo-1', candidate: 'oslo-2', epoch: 2, finalLsn: lsn(P), timeline: 1, stoppedAt: ago(3) };
const oldClaim = (p: Partial<TMemberObservation> = {}): TMemberInput => {
  const o = observation({ observedAt: ago(4), role: 'primary', currentLsn: lsn(P), timeline: 1, fencing: { epoch: 1, fenced: false }, replication: [rep('oslo-2', 'sync', P)], ...p });
  return { name: 'oslo-1', site: 'oslo', observation: o, lastGood: o };
};
const newPrimary = primaryUp('oslo-2', 'oslo', P + 1024, [], { observedAt: ago(1), timeline: 2, fencing: { epoch: 2, fenced: false } });
const candidateNotYetPromoted = replica('oslo-2', 'oslo', P, { observedAt: ago(2), fencing: { epoch: 1, fenced: false } });
const bergen = replica('bergen-1', 'bergen', P, { observedAt: ago(2) });
// EXECUTING: the last completed promotion is older; oslo-1 is still the expected primary.
const executing: Partial<TClusterHistory> = { stoppedPrimary: STOP };
// COMPLETED: oslo-2 replaced oslo-1 at epoch 2.
const completed: Partial<TClusterHistory> = {
  stoppedPrimary: STOP,
  previousPromotion: { node: 'oslo-2', fromNode: 'oslo-1', epoch: 2, at: ago(1), forkLsn: lsn(P), previousTimeline: 1, newTimeline: 2 },
  replacedPrimaries: [{ node: 'oslo-1', epoch: 2, timeline: 1 }],
};

type TRow = { name: string; members: TMemberInput[]; history: Partial<TClusterHistory>; expected: 'old' | 'new'; state: string; alarms: string[]; fence?: string | null };

const rows: TRow[] = [
  // the stale observation of the stopped primary next to the new primary's: in transition, not split brain
  { name: 'executing: pre-stop claim of the old primary next to the promoted candidate', members: [oldClaim(), newPrimary], history: executing, expected: 'old', state: 'DEGRADED', alarms: ['PRIMARY_CHANGED', 'SWITCHOVER_IN_TRANSITION'] },
  { name: 'completed: pre-stop claim of the replaced primary next to the new primary', members: [oldClaim(), newPrimary], history: completed, expected: 'new', state: 'DEGRADED', alarms: ['SWITCHOVER_IN_TRANSITION'] },
  { name: 'completed: only the pre-stop claim (the new primary not observed as primary yet)', members: [oldClaim(), candidateNotYetPromoted], history: completed, expected: 'new', state: 'DEGRADED', alarms: ['PRIMARY_CHANGED', 'SWITCHOVER_IN_TRANSITION'] },
  { name: 'executing, before the promote: the pre-stop claim alone', members: [oldClaim(), candidateNotYetPromoted], history: executing, expected: 'old', state: 'DEGRADED', alarms: ['SWITCHOVER_IN_TRANSITION'] },
  { name: 'pre-stop claim with a replication connection gone: still in transition', members: [oldClaim({ replication: [] }), newPrimary], history: completed, expected: 'new', state: 'DEGRADED', alarms: ['SWITCHOVER_IN_TRANSITION'] },
  { name: 'pre-stop claim 1 ms before the stop', members: [oldClaim({ observedAt: STOP.stoppedAt - 1 }), newPrimary], history: completed, expected: 'new', state: 'DEGRADED', alarms: ['SWITCHOVER_IN_TRANSITION'] },
  // attacks: a node that may really write is SPLIT_BRAIN at once
  { name: 'attack: the old primary observed after the stop, writable (restarted by hand), nothing written yet', members: [oldClaim({ observedAt: ago(1) }), newPrimary], history: completed, expected: 'new', state: 'SPLIT_BRAIN', alarms: ['OLD_PRIMARY_RETURNED', 'SPLIT_BRAIN'], fence: 'oslo-1' },
  { name: 'attack: observed exactly at the stop', members: [oldClaim({ observedAt: STOP.stoppedAt }), newPrimary], history: completed, expected: 'new', state: 'SPLIT_BRAIN', alarms: ['OLD_PRIMARY_RETURNED', 'SPLIT_BRAIN'], fence: 'oslo-1' },
  { name: 'attack: a clock says before the stop, but its WAL is past the final position (it wrote after the stop)', members: [oldClaim({ currentLsn: lsn(P + 1) }), newPrimary], history: completed, expected: 'new', state: 'SPLIT_BRAIN', alarms: ['OLD_PRIMARY_RETURNED', 'SPLIT_BRAIN'], fence: 'oslo-1' },
  { name: 'attack: a clock says before the stop, but far past the final position, while executing', members: [oldClaim({ currentLsn: lsn(P + 64 * MiB) }), newPrimary], history: executing, expected: 'old', state: 'SPLIT_BRAIN', alarms: ['SPLIT_BRAIN'], fence: 'oslo-1' },
  { name: "attack: before the stop by the clock, but it carries the stop's fence epoch", members: [oldClaim({ fencing: { epoch: 2, fenced: true } }), newPrimary], history: completed, expected: 'new', state: 'SPLIT_BRAIN', alarms: ['OLD_PRIMARY_RETURNED', 'SPLIT_BRAIN'], fence: 'oslo-1' },
  { name: 'attack: before the stop by the clock, but on another timeline', members: [oldClaim({ timeline: 3 }), newPrimary], history: completed, expected: 'new', state: 'SPLIT_BRAIN', alarms: ['OLD_PRIMARY_RETURNED', 'SPLIT_BRAIN'] },
  { name: 'attack: before the stop by the clock, but no WAL position reported', members: [oldClaim({ currentLsn: null }), newPrimary], history: completed, expected: 'new', state: 'SPLIT_BRAIN', alarms: ['OLD_PRIMARY_RETURNED', 'SPLIT_BRAIN'], fence: 'oslo-1' },
  { name: 'attack: a member the switchover did not stop claims primary (pre-stop time)', members: [oldClaim({ observedAt: ago(1) }), newPrimary, { ...bergen, observation: { ...bergen.observation!, role: 'primary', currentLsn: lsn(P), observedAt: ago(4) } }], history: completed, expected: 'new', state: 'SPLIT_BRAIN', alarms: ['OLD_PRIMARY_RETURNED', 'SPLIT_BRAIN'] },
  { name: 'attack: no switchover stop recorded (a promotion, not a switchover)', members: [oldClaim(), newPrimary], history: { ...completed, stoppedPrimary: null }, expected: 'new', state: 'SPLIT_BRAIN', alarms: ['OLD_PRIMARY_RETURNED', 'SPLIT_BRAIN'], fence: 'oslo-1' },
  { name: 'attack: the stop recorded for another node', members: [oldClaim(), newPrimary], history: { ...completed, stoppedPrimary: { ...STOP, node: 'bergen-1' } }, expected: 'new', state: 'SPLIT_BRAIN', alarms: ['OLD_PRIMARY_RETURNED', 'SPLIT_BRAIN'], fence: 'oslo-1' },
  { name: 'attack: an unreadable stop time', members: [oldClaim(), newPrimary], history: { ...completed, stoppedPrimary: { ...STOP, stoppedAt: 'not a time' } }, expected: 'new', state: 'SPLIT_BRAIN', alarms: ['OLD_PRIMARY_RETURNED', 'SPLIT_BRAIN'], fence: 'oslo-1' },
];

// A switchover back: oslo-2 had replaced oslo-1 at epoch 2 (the last completed promotion); now oslo-2 is
// stopped at epoch 3 (final position Q) and oslo-1, the earlier replaced primary, is promoted with epoch 3.
const Q = 200 * MiB;
const BACK = { node: 'oslo-2', candidate: 'oslo-1', epoch: 3, finalLsn: lsn(Q), timeline: 2, stoppedAt: ago(3) };
const backHistory: Partial<TClusterHistory> = { ...completed, stoppedPrimary: BACK };
const oslo2Before = primaryUp('oslo-2', 'oslo', Q, [], { observedAt: ago(4), timeline: 2, fencing: { epoch: 2, fenced: false } });
const oslo1Promoted = (p: Partial<TMemberObservation> = {}) => oldClaim({ observedAt: ago(1), currentLsn: lsn(Q + 1024), timeline: 3, fencing: { epoch: 3, fenced: false }, ...p });
const backRows: TRow[] = [
  { name: 'switchover back, executing: the earlier replaced primary promoted with its epoch next to the pre-stop claim', members: [oslo1Promoted(), oslo2Before], history: backHistory, expected: 'new', state: 'DEGRADED', alarms: ['OLD_PRIMARY_RETURNED', 'PRIMARY_CHANGED', 'SWITCHOVER_IN_TRANSITION'] },
  { name: 'switchover back, executing: the promoted earlier primary alone', members: [oslo1Promoted(), replica('oslo-2', 'oslo', Q, { observedAt: ago(1), timeline: 2, fencing: { epoch: 3, fenced: true } })], history: backHistory, expected: 'new', state: 'DEGRADED', alarms: ['OLD_PRIMARY_RETURNED', 'PRIMARY_CHANGED'] },
  { name: 'attack: the earlier replaced primary writable with its old epoch during the switchover back', members: [oslo1Promoted({ fencing: { epoch: 2, fenced: false } }), oslo2Before], history: backHistory, expected: 'new', state: 'SPLIT_BRAIN', alarms: ['OLD_PRIMARY_RETURNED', 'SPLIT_BRAIN'], fence: 'oslo-1' },
  { name: 'attack: a replaced primary with the current epoch that is not the candidate', members: [oslo1Promoted(), oslo2Before], history: { ...backHistory, stoppedPrimary: { ...BACK, candidate: 'bergen-1' } }, expected: 'new', state: 'SPLIT_BRAIN', alarms: ['OLD_PRIMARY_RETURNED', 'SPLIT_BRAIN'], fence: 'oslo-1' },
  { name: 'attack: the candidate with an epoch the cluster has not claimed', members: [oslo1Promoted({ fencing: { epoch: 4, fenced: false } }), oslo2Before], history: backHistory, expected: 'new', state: 'SPLIT_BRAIN', alarms: ['OLD_PRIMARY_RETURNED', 'SPLIT_BRAIN'], fence: 'oslo-1' },
];

describe('a planned switchover\'s stopped primary', () => {
  it.each(backRows)('$name', (row) => {
    // oslo-2 is the expected primary while the switchover back executes
    const view = deriveClusterStateOf(scenario({ members: row.members, primary: oslo2Before, history: row.history, epoch: 3 }));
    expect(view.state).toBe(row.state);
    expect(view.alarms.map((a) => a.code).sort()).toEqual([...row.alarms].sort());
    if (row.fence !== undefined) expect(view.fenceTarget).toBe(row.fence);
  });

  it.each(rows)('$name', (row) => {
    const primary = row.expected === 'old' ? row.members[0] : newPrimary;
    const view = deriveClusterStateOf(scenario({ members: row.members, primary, history: row.history, epoch: 2 }));
    expect(view.state).toBe(row.state);
    expect(view.alarms.map((a) => a.code).sort()).toEqual([...row.alarms].sort());
    if (row.fence !== undefined) expect(view.fenceTarget).toBe(row.fence);
    if (view.state === 'SPLIT_BRAIN') expect(view.claimants).toContain('oslo-1');
    else expect(view.primaryHealthy).toBe(true); // in transition the primary is never read as down: no failover is started from it
  });

  it('names the stop, the final position and the stale observation', () => {
    const view = deriveClusterStateOf(scenario({ members: [oldClaim(), newPrimary], primary: newPrimary, history: completed, epoch: 2 }));
    expect(view.alarms.find((a) => a.code === 'SWITCHOVER_IN_TRANSITION')?.message).toMatch(new RegExp(`oslo-1 was stopped by the planned switchover at .*final WAL position ${STOP.finalLsn}, epoch 2.*predates the stop`));
    expect(view.primaryNode).toBe('oslo-2');
    expect(view.claimants).toEqual(['oslo-2']);
  });
});
