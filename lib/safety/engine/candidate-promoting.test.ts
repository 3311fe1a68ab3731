import { describe, expect, it } from 'vitest';
import { evaluateCluster } from './evaluate-cluster';
import { MiB, NOW, primaryLost, rep, replica, scenario } from '../../../tests/support/safety-fixtures';

// oslo-1 primary lost; oslo-2 and bergen-1 replicas. A promote of oslo-2 ended without saying whether it finished.
const P = 160 * MiB;
const members = () => [
  primaryLost('oslo-1', 'oslo', P, [rep('oslo-2', 'sync', P), rep('bergen-1', 'async', P)], {}),
  replica('oslo-2', 'oslo', P),
  replica('bergen-1', 'bergen', P),
];
const since = new Date(new Date(NOW).getTime() - 90_000).toISOString();

describe('CANDIDATE_PROMOTING: a promote whose outcome is unknown blocks every other promotion', () => {
  it('without a promoting node the candidates are not blocked by it', () => {
    const r = evaluateCluster(scenario({ members: members() }));
    for (const c of r.candidates) expect(c.reasons.map((x) => x.code)).not.toContain('CANDIDATE_PROMOTING');
  });
  it('every candidate is BLOCKED with CANDIDATE_PROMOTING naming the node and its age', () => {
    const r = evaluateCluster(scenario({ members: members(), history: { promoting: { node: 'oslo-2', since, promotionId: 'p1' } } }));
    expect(r.candidates.length).toBeGreaterThan(0);
    for (const c of r.candidates) {
      expect(c.verdict).toBe('BLOCKED');
      const reason = c.reasons.find((x) => x.code === 'CANDIDATE_PROMOTING');
      expect(reason?.effect).toBe('block');
      expect(reason?.message).toMatch(/oslo-2 was told to promote 1m ?30s|oslo-2 was told to promote .*90/);
    }
  });
  it('an unknown start still blocks (fail closed)', () => {
    const r = evaluateCluster(scenario({ members: members(), history: { promoting: { node: 'oslo-2', since: null } } }));
    for (const c of r.candidates) expect(c.verdict).toBe('BLOCKED');
  });
});
