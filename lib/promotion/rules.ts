// The promotion rules every use case, read model and the executor share (docs/safety.md, "Promotion
// workflow"). Pure: no I/O, so the UI can import them too.
import type { TActor } from '@/lib/auth/actor';
import type { TCandidateVerdict, TProvenFinalPosition, TSafetyInput } from '@/lib/safety/engine';
import type { TPromotionStatus } from './schemas';

/** A request in one of these statuses is open: a cluster has at most one. */
export const OPEN_STATUSES = ['PENDING', 'APPROVED', 'EXECUTING'] as const satisfies readonly TPromotionStatus[];

/**
 * Open but not executing yet: only these can be cancelled, rejected, expired or stopped by split
 * brain. Once EXECUTING, only the executor ends a request (COMPLETED or FAILED).
 */
export const NOT_STARTED_STATUSES = ['PENDING', 'APPROVED'] as const satisfies readonly TPromotionStatus[];
export const isNotStarted = (status: string): status is (typeof NOT_STARTED_STATUSES)[number] => (NOT_STARTED_STATUSES as readonly string[]).includes(status);

/** The attestation an approver must type when the old primary cannot be fenced by Vakt. */
export const attestationTextFor = (oldPrimary: string | null | undefined) => (oldPrimary ? `fenced ${oldPrimary}` : null);

/** What a read model shows as the attestation to type: only where the candidate requires one. */
export const attestationTextIfRequired = (c: Pick<TCandidateVerdict, 'requiresAttestation'>, oldPrimary: string | null | undefined) =>
  c.requiresAttestation ? attestationTextFor(oldPrimary) : null;

/** The typed attestation counts only when it is exactly the expected text (surrounding spaces ignored). */
export const attestationMatches = (given: string | undefined, expected: string | null) => Boolean(given) && given!.trim() === expected;

/** The candidate's estimated loss exceeds the RPO bound: approving needs an explicit acknowledgment in bytes. */
export const exceedsRpo = (c: Pick<TCandidateVerdict, 'reasons'>) => c.reasons.some((r) => r.code === 'EXCEEDS_RPO');

/** An acknowledgment covers an estimate only when both are known bytes and the acknowledgment is at least the estimate. */
export const acknowledgmentCovers = (acknowledgedBytes: number | null | undefined, estimatedBytes: number | null) =>
  acknowledgedBytes !== null && acknowledgedBytes !== undefined && estimatedBytes !== null && acknowledgedBytes >= estimatedBytes;

/** A person's request always needs at least one person's step-up approval, even when SAFE. */
export const approvalsRequiredForRequest = (c: Pick<TCandidateVerdict, 'approvalsRequired'>) => Math.max(1, c.approvalsRequired);

/** Where two approvals are required, the requester cannot be the second approver. */
export const requesterMayNotApproveNow = (opts: { approvalsRequired: number; approvalsSoFar: number; requestedById: string | null; userId: string }) =>
  opts.approvalsRequired >= 2 && opts.approvalsSoFar === opts.approvalsRequired - 1 && opts.requestedById === opts.userId;

/** Only the requester (a signed-in person) or an admin may withdraw a request. */
export const mayCancel = (actor: Pick<TActor, 'type' | 'id' | 'role'>, requestedById: string | null) =>
  (actor.type === 'user' && actor.id !== null && actor.id === requestedById) || actor.role === 'admin';

/** One WAL page: the slack execution allows between the loss the approvals were given and the fresh loss. */
export const WAL_PAGE_BYTES = 8192;

/** The reason a request returned to PENDING because the fresh loss outgrew what its approvals covered. */
const LOSS_GREW = 'LOSS_GREW';

export type TLossCheck =
  | { proceed: true; allowedBytes: number | null }
  | { proceed: false; code: typeof LOSS_GREW; approvedBytes: number | null; acknowledgedBytes: number | null; freshBytes: number | null; allowedBytes: number | null; message: string };

/**
 * The one loss rule of every execution path (operator-approved and automatic, docs/safety.md
 * "Approvals are bound to the size of the loss"): execution proceeds only if the fresh loss is at most
 * max(the estimate the approvals were given, any acknowledged bytes) + one WAL page. Fail closed:
 * - a fresh loss that is unknown while a number was approved (or acknowledged) does not proceed;
 * - a fresh loss that became known while the approvals were given no number at all does not proceed
 *   (the approvers never saw a size);
 * - both unknown: nothing about the size changed since approval (the unknown estimate already gated).
 */
export function checkLossGrowth(opts: { approvedBytes: number | null | undefined; acknowledgedBytes?: number | null; freshBytes: number | null | undefined }): TLossCheck {
  const known = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n);
  const approved = known(opts.approvedBytes) ? opts.approvedBytes : null;
  const acknowledged = known(opts.acknowledgedBytes) ? opts.acknowledgedBytes : null;
  const fresh = known(opts.freshBytes) ? opts.freshBytes : null;
  const bound = approved === null && acknowledged === null ? null : Math.max(approved ?? 0, acknowledged ?? 0);
  const allowed = bound === null ? null : bound + WAL_PAGE_BYTES;
  if (bound === null && fresh === null) return { proceed: true, allowedBytes: null };
  if (allowed !== null && fresh !== null && fresh <= allowed) return { proceed: true, allowedBytes: allowed };
  const shown = (n: number | null) => (n === null ? 'unknown' : `${n} bytes`);
  const message =
    fresh === null
      ? `the estimated loss is no longer known (approved for ${shown(approved)}${acknowledged !== null ? `, acknowledged ${acknowledged} bytes` : ''})`
      : allowed === null
        ? `the estimated loss is now ${fresh} bytes; the approvals were given for an unknown loss`
        : `the estimated loss grew from ${shown(approved)} to ${fresh} bytes (allowed up to ${allowed} bytes: ${acknowledged !== null ? `max(approved, acknowledged ${acknowledged} bytes)` : 'the approved estimate'} + one WAL page)`;
  return { proceed: false, code: LOSS_GREW, approvedBytes: approved, acknowledgedBytes: acknowledged, freshBytes: fresh, allowedBytes: allowed, message };
}

/**
 * The estimate a set of approvals was given: the smallest estimate any of them saw (each approver
 * agreed only to what they were shown). An approval that recorded no estimate counts as the
 * request's (`fallback`); an approval shown an unknown estimate makes the result unknown.
 */
export function approvedEstimate(approvals: ReadonlyArray<{ dataLossBytes?: number | null }>, fallback: number | null): number | null {
  if (!approvals.length) return fallback;
  let out: number | null = Infinity;
  for (const a of approvals) {
    const b = a.dataLossBytes === undefined ? fallback : a.dataLossBytes;
    if (b === null) return null;
    out = Math.min(out, b);
  }
  return out;
}

/**
 * How a call to an agent ended, as far as "did it reach the agent" goes: the HTTP status it answered
 * (null: no answer), and whether the connection was established (the request may have been received).
 */
export type TAgentCallEnd = { answeredStatus: number | null; connected: boolean };

/**
 * docs/safety.md "Epochs and fencing": a fence is attempted as soon as the agent answered anything
 * (any status, a FENCE_FAILED or STATE_WRITE_FAILED included) or the request went out and its answer
 * did not come in time. Only a connection that never reached the agent (DNS failure, refused, connect
 * timeout) leaves the old primary unreachable.
 */
export const fenceAttempted = (c: TAgentCallEnd) => c.answeredStatus !== null || c.connected;

/** An attestation covers an old primary that is unreachable at execution time; never a fence that was attempted and failed. */
export const attestationCoversFence = (c: TAgentCallEnd, attestation: string | null | undefined) => !fenceAttempted(c) && Boolean(attestation?.trim());

/**
 * A promote call that did not succeed: 'failed' when the agent certainly did not promote (it refused
 * with a 4xx before promoting, or the request never reached it); otherwise 'unknown' (a 5xx such as
 * pg_promote not finishing within its wait, a bad answer, a read timeout): PostgreSQL may go on
 * promoting, so the request stays EXECUTING with its promote step `unknown` (CANDIDATE_PROMOTING).
 */
export function promoteOutcome(c: TAgentCallEnd): 'failed' | 'unknown' {
  if (c.answeredStatus !== null) return c.answeredStatus >= 400 && c.answeredStatus < 500 ? 'failed' : 'unknown';
  return c.connected ? 'unknown' : 'failed';
}

/** What Vakt waits on top of the agent's own bound for a fence or promote answer. */
export const AGENT_TIMEOUT_MARGIN_SECONDS = 30;
/**
 * The agent's fence bound when it does not report one: what an agent with default settings can take
 * (state checks, `pg_ctl stop -m fast -t 60`, then `-m immediate -t 30`, each with headroom;
 * lib/agent/action-timeouts.ts gives 160 s for the defaults).
 */
export const DEFAULT_AGENT_FENCE_SECONDS = 160;
/** The agent's promote bound when it does not report one: 81 s for the default pg_promote wait (30 s) and query timeouts. */
export const DEFAULT_AGENT_PROMOTE_SECONDS = 81;

/**
 * The HTTP timeout of a fence or promote call: the agent's own bound (as its latest status reported
 * it, `status.timeouts.fenceSeconds` / `promoteSeconds`; the default when absent or not a positive
 * number) plus a margin, so Vakt never gives up before the agent does.
 */
export function agentCallTimeoutMs(reportedSeconds: unknown, fallbackSeconds: number): number {
  const s = typeof reportedSeconds === 'number' && Number.isFinite(reportedSeconds) && reportedSeconds > 0 ? reportedSeconds : fallbackSeconds;
  return Math.ceil((s + AGENT_TIMEOUT_MARGIN_SECONDS) * 1000);
}

/** How long a promote step may stay `unknown` before the executor says it is overdue (the cluster stays blocked). */
export const PROMOTE_OVERDUE_MS = 5 * 60_000;
export const promoteOverdue = (sinceMs: number, nowMs: number, boundMs = PROMOTE_OVERDUE_MS) => nowMs - sinceMs >= boundMs;

/** An executing promotion whose promote call ended without saying whether it finished (CANDIDATE_PROMOTING): it may be abandoned. */
export const promoteOutcomeUnknown = (p: { status: string; steps: Array<{ name: string; status: string }> }) =>
  p.status === 'EXECUTING' && p.steps.filter((s) => s.name === 'promote').at(-1)?.status === 'unknown';

/**
 * The engine input right after the fence stopped the old primary: its latest observation replaced by
 * what the fence proved (answered now, PostgreSQL stopped, fenced at the epoch, its final WAL
 * position), so the executor decides on the exact loss before it promotes (pure).
 */
export function inputAfterFence(input: TSafetyInput, o: { oldPrimary: string; finalPosition: TProvenFinalPosition; epoch: number; now: Date }): TSafetyInput {
  return {
    ...input,
    now: o.now,
    members: input.members.map((m) =>
      m.name !== o.oldPrimary || !m.observation
        ? m
        : {
            ...m,
            observation: {
              ...m.observation,
              observedAt: o.now,
              status: 'down',
              role: 'unknown',
              error: `fenced by this promotion at epoch ${o.epoch}`,
              fencing: { epoch: o.epoch, fenced: true },
              clockSkewMs: null,
              finalPosition: o.finalPosition,
            },
          },
    ),
  };
}

/**
 * What a switchover execution decided, as its steps recorded it (null: not decided yet): the latest
 * `promote`/`rollback` step with status `started`. The executor records the decision under its lease
 * before acting, and a resumed execution follows it: never the other act (execute-switchover.ts).
 */
export function switchoverDecision(steps: Array<{ id: bigint | number; name: string; status: string }>): 'promote' | 'rollback' | null {
  const d = steps.filter((s) => (s.name === 'promote' || s.name === 'rollback') && s.status === 'started').sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).at(-1);
  return d ? (d.name as 'promote' | 'rollback') : null;
}
