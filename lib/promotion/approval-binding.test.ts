import { describe, expect, it } from 'vitest';
import { approvalCounts, bindingChanges, type TBinding } from './approval-binding';

const base: TBinding = {
  cluster: 'c', candidate: 'r1', epoch: 3, verdict: 'GATED', approvalsRequired: 2, requiresAttestation: false,
  candidateLsn: '0/3000148', candidateTimeline: 1, primary: 'p',
};

describe('bindingChanges', () => {
  const table: Array<[string, Partial<TBinding>, RegExp | null]> = [
    ['identical', {}, null],
    ['LSN moved forward', { candidateLsn: '0/4000000' }, null],
    ['verdict got better', { verdict: 'SAFE', approvalsRequired: 0 }, null],
    ['fewer approvals', { approvalsRequired: 1 }, null],
    ['epoch moved', { epoch: 4 }, /epoch moved from 3 to 4/],
    ['verdict worse: BLOCKED', { verdict: 'BLOCKED' }, /GATED -> BLOCKED/],
    ['verdict worse: MANUAL', { verdict: 'MANUAL' }, /GATED -> MANUAL/],
    ['more approvals', { approvalsRequired: 3 }, /3 approvals/],
    ['attestation newly required', { requiresAttestation: true }, /attestation is now required/],
    ['LSN backwards', { candidateLsn: '0/3000000' }, /moved backwards/],
    ['LSN unknown', { candidateLsn: null }, /no longer known/],
    ['timeline changed', { candidateTimeline: 2 }, /timeline changed/],
    ['other candidate', { candidate: 'r2' }, /candidate changed/],
    ['old primary changed', { primary: 'x' }, /old primary changed/],
  ];
  for (const [name, patch, expected] of table) {
    it(name, () => {
      const changes = bindingChanges(base, { ...base, ...patch });
      if (expected === null) expect(changes).toEqual([]);
      else expect(changes.join('; ')).toMatch(expected);
    });
  }
});

describe('an approval counts while it has neither lapsed nor expired (database now)', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  const later = new Date('2026-01-01T13:00:00Z');
  const lapsed = { code: 'LOSS_GREW' as const, at: now.toISOString(), approvedBytes: 1024, freshBytes: 10_000_000, message: 'grew' };
  it.each([
    ['a fresh approval', { candidateLsn: '0/1', dataLossBytes: 1024 }, later, true],
    ['an approval recorded before estimates were stored', { candidateLsn: '0/1' }, later, true],
    ['an approval that lapsed because the loss grew', { dataLossBytes: 1024, lapsed }, later, false],
    ['an approval that expired at now', { dataLossBytes: 1024 }, now, false],
    ['an approval row without JSON', null, later, true],
  ])('%s: counts %s', (_s, observedLsns, expiresAt, counts) => {
    expect(approvalCounts({ observedLsns, expiresAt }, now)).toBe(counts);
  });
});
