import { describe, expect, it } from 'vitest';
import type { TActor } from '@/lib/auth/actor';
import {
  agentCallTimeoutMs,
  switchoverDecision,
  AGENT_TIMEOUT_MARGIN_SECONDS,
  attestationCoversFence,
  DEFAULT_AGENT_FENCE_SECONDS,
  DEFAULT_AGENT_PROMOTE_SECONDS,
  fenceAttempted,
  PROMOTE_OVERDUE_MS,
  promoteOutcome,
  promoteOverdue,
  acknowledgmentCovers,
  approvalsRequiredForRequest,
  approvedEstimate,
  checkLossGrowth,
  attestationMatches,
  attestationTextFor,
  attestationTextIfRequired,
  exceedsRpo,
  isNotStarted,
  mayCancel,
  OPEN_STATUSES,
  requesterMayNotApproveNow,
  WAL_PAGE_BYTES,
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

describe('the loss rule of every execution path: fresh loss <= max(approved estimate, acknowledged) + one WAL page', () => {
  const KB = 1024;
  const GB = 1024 ** 3;
  it.each([
    // scenario, approved, acknowledged, fresh, proceeds, allowed
    ['approved for 1 KB, the fresh loss is still 1 KB', 1 * KB, null, 1 * KB, true, 1 * KB + WAL_PAGE_BYTES],
    ['approved for 1 KB, the loss shrank to 0', 1 * KB, null, 0, true, 1 * KB + WAL_PAGE_BYTES],
    ['approved for 1 KB, grew by exactly one WAL page', 1 * KB, null, 1 * KB + 8192, true, 1 * KB + 8192],
    ['approved for 1 KB, grew by one WAL page and one byte', 1 * KB, null, 1 * KB + 8193, false, 1 * KB + 8192],
    ['approved for 1 KB with an unset RPO bound, executed as 10 GB (the issue)', 1 * KB, null, 10 * GB, false, 1 * KB + 8192],
    ['approved for 0 bytes (SAFE), grew to 20 KB', 0, null, 20 * KB, false, 8192],
    ['approved for 1 KB, acknowledged 1 GB, fresh 512 MB: the acknowledgment covers it', 1 * KB, 1 * GB, 512 * 1024 * KB, true, 1 * GB + 8192],
    ['approved for 1 MB, acknowledged 2 MB, fresh 2 MB + one WAL page + 1', 1024 * KB, 2048 * KB, 2048 * KB + 8193, false, 2048 * KB + 8192],
    ['acknowledged below the approved estimate: the larger one (approved) counts', 100 * KB, 10 * KB, 100 * KB + 8192, true, 100 * KB + 8192],
    ['approved for 1 KB, the fresh loss is unknown: fail closed', 1 * KB, null, null, false, 1 * KB + 8192],
    ['acknowledged 1 GB, approved unknown, the fresh loss is unknown: fail closed', null, 1 * GB, null, false, 1 * GB + 8192],
    ['approved for an unknown loss, the fresh loss is unknown too: nothing changed', null, null, null, true, null],
    ['approved for an unknown loss, the loss became 5 KB: the approvers never saw a number', null, null, 5 * KB, false, null],
    ['approved for an unknown loss, acknowledged 1 MB, fresh 4 KB', null, 1024 * KB, 4 * KB, true, 1024 * KB + 8192],
  ])('%s', (_scenario, approvedBytes, acknowledgedBytes, freshBytes, proceeds, allowed) => {
    const r = checkLossGrowth({ approvedBytes, acknowledgedBytes, freshBytes });
    expect(r.proceed).toBe(proceeds);
    expect(r.allowedBytes).toBe(allowed);
    if (!r.proceed) {
      expect(r.code).toBe('LOSS_GREW');
      // both numbers are reported
      expect(r.approvedBytes).toBe(approvedBytes);
      expect(r.freshBytes).toBe(freshBytes);
      expect(r.acknowledgedBytes).toBe(acknowledgedBytes);
      expect(r.message).toMatch(freshBytes === null ? /no longer known/ : new RegExp(`${freshBytes} bytes`));
    }
  });
  it('one WAL page is 8 KiB', () => expect(WAL_PAGE_BYTES).toBe(8192));
  it('a non-finite number counts as unknown (fail closed)', () => {
    expect(checkLossGrowth({ approvedBytes: 1024, freshBytes: Number.NaN }).proceed).toBe(false);
    expect(checkLossGrowth({ approvedBytes: 1024, freshBytes: Infinity }).proceed).toBe(false);
  });
});

describe('the estimate a set of approvals was given', () => {
  it.each([
    ['no approvals (automatic): the request estimate', [], 500, 500],
    ['two approvers shown 1 KB and 5 KB: the smallest (each agreed only to what they saw)', [{ dataLossBytes: 1024 }, { dataLossBytes: 5120 }], 0, 1024],
    ['an approval recorded before estimates were stored counts as the request estimate', [{}, { dataLossBytes: 5120 }], 2048, 2048],
    ['one approver was shown an unknown loss: unknown', [{ dataLossBytes: null }, { dataLossBytes: 5120 }], 0, null],
    ['an old approval and an unknown request estimate: unknown', [{}], null, null],
  ])('%s', (_scenario, approvals, fallback, expected) => {
    expect(approvedEstimate(approvals as Array<{ dataLossBytes?: number | null }>, fallback)).toBe(expected);
  });
});

describe('a fence is attempted vs the old primary is unreachable', () => {
  // [scenario, answered status, connected, attempted]
  it.each([
    ['200 fenced', 200, true, true],
    ['500 FENCE_FAILED (the stop did not finish)', 500, true, true],
    ['500 STATE_WRITE_FAILED', 500, true, true],
    ['503 PG_UNAVAILABLE', 503, true, true],
    ['409 STALE_EPOCH', 409, true, true],
    ['401 (wrong token: the agent answered)', 401, true, true],
    ['200 with a garbage body', 200, true, true],
    ['read timeout: sent, no answer in time', null, true, true],
    ['connection reset after connecting', null, true, true],
    ['connection refused', null, false, false],
    ['DNS failure', null, false, false],
    ['connect timeout', null, false, false],
  ])('%s', (_scenario, answeredStatus, connected, attempted) => {
    const c = { answeredStatus, connected };
    expect(fenceAttempted(c)).toBe(attempted);
    // an attestation covers only an old primary that was never reached
    expect(attestationCoversFence(c, 'fenced db-a')).toBe(!attempted);
    expect(attestationCoversFence(c, null)).toBe(false);
    expect(attestationCoversFence(c, '  ')).toBe(false);
  });
});

describe('a promote that did not succeed: failed or unknown', () => {
  it.each([
    ['409 FENCED: refused before promoting', 409, true, 'failed'],
    ['409 NOT_IN_RECOVERY', 409, true, 'failed'],
    ['422 validation', 422, true, 'failed'],
    ['500 PROMOTE_FAILED: pg_promote did not finish within the wait', 500, true, 'unknown'],
    ['503 PG_UNAVAILABLE (may be mid pg_promote)', 503, true, 'unknown'],
    ['200 with a garbage body', 200, true, 'unknown'],
    ['read timeout', null, true, 'unknown'],
    ['connection refused: never reached the agent', null, false, 'failed'],
  ])('%s', (_scenario, answeredStatus, connected, outcome) => {
    expect(promoteOutcome({ answeredStatus, connected })).toBe(outcome);
  });
});

describe('fence and promote HTTP timeouts come from the agent', () => {
  it.each([
    ["fence, not reported: a default agent's 160 s + margin", undefined, DEFAULT_AGENT_FENCE_SECONDS, 190_000],
    ["promote, not reported: a default agent's 81 s + margin", undefined, DEFAULT_AGENT_PROMOTE_SECONDS, 111_000],
    ['reported 8 s', 8, DEFAULT_AGENT_FENCE_SECONDS, 38_000],
    ['reported 200 s', 200, DEFAULT_AGENT_FENCE_SECONDS, 230_000],
    ['garbage counts as not reported', 'x', DEFAULT_AGENT_FENCE_SECONDS, 190_000],
    ['zero counts as not reported', 0, DEFAULT_AGENT_PROMOTE_SECONDS, 111_000],
  ])('%s', (_scenario, reported, fallback, ms) => {
    const t = agentCallTimeoutMs(reported, fallback);
    expect(t).toBe(ms);
    // never shorter than the agent's own bound
    expect(t).toBeGreaterThanOrEqual(((typeof reported === 'number' && reported > 0 ? reported : fallback) + AGENT_TIMEOUT_MARGIN_SECONDS) * 1000);
  });
  it('a promote step unknown for longer than the bound is overdue', () => {
    expect(promoteOverdue(0, PROMOTE_OVERDUE_MS - 1)).toBe(false);
    expect(promoteOverdue(0, PROMOTE_OVERDUE_MS)).toBe(true);
    expect(promoteOverdue(0, 3000, 2000)).toBe(true);
  });
});

describe('switchoverDecision', () => {
  const st = (id: number, name: string, status: string) => ({ id, name, status });
  it.each([
    { name: 'nothing decided yet', steps: [st(1, 'evaluate', 'ok'), st(2, 'stop', 'ok'), st(3, 'catch-up', 'ok')], want: null },
    { name: 'promote started', steps: [st(1, 'stop', 'ok'), st(2, 'promote', 'started')], want: 'promote' },
    { name: 'promote started and done', steps: [st(2, 'promote', 'started'), st(3, 'promote', 'ok')], want: 'promote' },
    { name: 'rollback started after a timeout', steps: [st(2, 'catch-up', 'timeout'), st(3, 'rollback', 'started')], want: 'rollback' },
    { name: 'a refused promote, then rollback: the latest decision', steps: [st(4, 'promote', 'started'), st(5, 'rollback', 'started')], want: 'rollback' },
    { name: 'order by id, not by array order', steps: [st(9, 'rollback', 'started'), st(4, 'promote', 'started')], want: 'rollback' },
    { name: 'bigint ids (PromotionStep.id)', steps: [{ id: 10n, name: 'promote', status: 'started' }, { id: 2n, name: 'rollback', status: 'started' }], want: 'promote' },
  ])('$name', ({ steps, want }) => {
    expect(switchoverDecision(steps)).toBe(want);
  });
});
