import { describe, expect, it } from 'vitest';
import type { TActor } from '@/lib/auth/actor';
import {
  acknowledgmentCovers,
  approvalsRequiredForRequest,
  attestationMatches,
  attestationTextFor,
  attestationTextIfRequired,
  exceedsRpo,
  isNotStarted,
  mayCancel,
  OPEN_STATUSES,
  requesterMayNotApproveNow,
} from './rules';

describe('promotion statuses', () => {
  it.each([
    ['PENDING', true, true],
    ['APPROVED', true, true],
    ['EXECUTING', true, false],
    ['COMPLETED', false, false],
    ['FAILED', false, false],
    ['REJECTED', false, false],
    ['EXPIRED', false, false],
    ['CANCELLED', false, false],
  ])('%s: open %s, not started %s', (status, open, notStarted) => {
    expect((OPEN_STATUSES as readonly string[]).includes(status)).toBe(open);
    expect(isNotStarted(status)).toBe(notStarted);
  });
});

describe('attestation', () => {
  it.each([
    ['pg-a', 'fenced pg-a'],
    [null, null],
    [undefined, null],
  ])('text for old primary %s is %s', (oldPrimary, text) => {
    expect(attestationTextFor(oldPrimary)).toBe(text);
  });
  it('is shown only where the candidate requires one', () => {
    expect(attestationTextIfRequired({ requiresAttestation: true }, 'pg-a')).toBe('fenced pg-a');
    expect(attestationTextIfRequired({ requiresAttestation: false }, 'pg-a')).toBeNull();
  });
  it.each([
    ['fenced pg-a', 'fenced pg-a', true],
    ['  fenced pg-a ', 'fenced pg-a', true],
    ['fenced pg-b', 'fenced pg-a', false],
    ['', 'fenced pg-a', false],
    [undefined, 'fenced pg-a', false],
    ['fenced', null, false],
  ] as const)('%j against %j: %s', (given, expected, ok) => {
    expect(attestationMatches(given, expected)).toBe(ok);
  });
});

describe('data loss above the RPO bound', () => {
  const reason = (code: string) => ({ code, message: code, effect: 'gate' as const });
  it('is flagged by the EXCEEDS_RPO reason', () => {
    expect(exceedsRpo({ reasons: [reason('EXCEEDS_RPO')] } as never)).toBe(true);
    expect(exceedsRpo({ reasons: [reason('CROSS_SITE')] } as never)).toBe(false);
  });
  it.each([
    [100, 100, true],
    [101, 100, true],
    [99, 100, false],
    [null, 100, false],
    [undefined, 100, false],
    [100, null, false],
  ])('acknowledged %s, estimated %s: covered %s', (ack, estimate, covered) => {
    expect(acknowledgmentCovers(ack, estimate)).toBe(covered);
  });
});

describe('approvals', () => {
  it.each([
    [0, 1],
    [1, 1],
    [2, 2],
  ])('the engine asks %s, a person needs %s', (engine, required) => {
    expect(approvalsRequiredForRequest({ approvalsRequired: engine })).toBe(required);
  });
  it.each([
    [2, 1, 'u1', 'u1', true],
    [2, 0, 'u1', 'u1', false],
    [2, 1, 'u1', 'u2', false],
    [1, 0, 'u1', 'u1', false],
    [3, 2, 'u1', 'u1', true],
  ])('required %s, so far %s, requester %s, approver %s: refused %s', (approvalsRequired, approvalsSoFar, requestedById, userId, refused) => {
    expect(requesterMayNotApproveNow({ approvalsRequired, approvalsSoFar, requestedById, userId })).toBe(refused);
  });
});

describe('cancel', () => {
  const user = (id: string, role: TActor['role']) => ({ type: 'user' as const, id, role });
  it.each([
    ['the requester', user('u1', 'operator'), 'u1', true],
    ['another operator', user('u2', 'operator'), 'u1', false],
    ['an admin', user('u2', 'admin'), 'u1', true],
    ['a token of the same id', { type: 'token' as const, id: 'u1', role: 'operator' as const }, 'u1', false],
    ['anyone, for an automatic request', user('u1', 'operator'), null, false],
  ])('%s: %s', (_name, actor, requestedById, ok) => {
    expect(mayCancel(actor, requestedById)).toBe(ok);
  });
});
