'use client';
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TPromotionView } from '@/lib/promotion/get-promotion';
import { hasRole, type TRole } from '@/lib/auth/roles';
import type { TStepUp } from '@/lib/auth/step-up';
import { errorMessage, fetchJson, fieldInvalid } from '@/components/lib/fetch-json';
import { formatBytes, formatClock, formatDateTime } from '@/components/lib/format';
import { LIVE_REFRESH_MS } from '@/components/lib/refresh';
import { attestationTextFor, isNotStarted, mayCancel, OPEN_STATUSES, promoteOutcomeUnknown } from '@/lib/promotion/rules';
import { MaintenanceBanner } from './MaintenanceBanner';
import { OidcStepUp } from './OidcStepUp';

export type TPromotionDetailProps = {
  id: string;
  role: TRole;
  /** the signed-in user's id: the requester may cancel */
  userId?: string | null;
  refreshMs?: number;
  /** how this person steps up to approve: password, or a fresh sign-in at the identity provider (OIDC) */
  stepUp?: TStepUp;
};

const LIVE = new Set<string>(OPEN_STATUSES);

/** One promotion: live steps, approvals, and (by role) the approval form, reject and cancel. */
export function PromotionDetail({ id, role, userId = null, refreshMs = LIVE_REFRESH_MS, stepUp = { method: 'password' } }: TPromotionDetailProps) {
  const url = `/api/v1/promotions/${encodeURIComponent(id)}`;
  const q = useQuery({ queryKey: ['promotion', id], queryFn: ({ signal }) => fetchJson<TPromotionView>(url, { signal }), refetchInterval: (query) => (query.state.data && !LIVE.has(query.state.data.status) ? false : refreshMs) });
  if (q.isPending) return <section className="card" aria-busy="true">Loading…</section>;
  if (q.isError) return <section className="card notice bad" role="alert">{errorMessage(q.error)}</section>;
  const p = q.data;
  const mayAct = hasRole(role, 'operator');
  return (
    <section className="promotion-detail">
      <div className="card">
        <div className="spread">
          <h1>
            {p.kind === 'switchover' ? `Switch ${p.cluster} over to ${p.candidate}` : `Promote ${p.candidate} in ${p.cluster}`}{' '}
            <span className={`badge ${p.status}`} data-testid="promotion-status">
              {p.status}
            </span>
          </h1>
          <span className="small muted">{p.automatic ? 'automatic' : `requested by ${p.requestedBy}`} · {formatDateTime(p.createdAt)}</span>
        </div>
        <p>{p.reason}</p>
        <MaintenanceBanner cluster={p.cluster} maintenance={p.maintenance} />
        {p.lossGrew && <LossGrewNotice p={p} />}
        <dl className="kv small">
          <dt>Verdict at request</dt>
          <dd>
            <span className={`badge ${p.verdict.verdict}`}>{p.verdict.verdict}</span> (cluster {p.verdict.state}, old primary {p.verdict.oldPrimary ?? 'unknown'})
          </dd>
          <dt>Epoch</dt>
          <dd>
            {p.epochBefore} → {p.epochAfter ?? '(not claimed yet)'}
          </dd>
          <dt>Approvals</dt>
          <dd data-testid="promotion-approvals">
            {p.approvalsGiven}/{p.approvalsRequired}
            {p.approvals.length > 0 &&
              ': ' +
                p.approvals
                  .map((a) => `${a.user} (${formatClock(a.at)}, for ${formatBytes(a.dataLossBytes, 'an unknown loss')}${a.lapsed ? ', lapsed: LOSS_GREW' : ''})`)
                  .join(', ')}
          </dd>
          <dt>Estimated loss</dt>
          <dd>
            {formatBytes(p.estimatedLossBytes, 'unknown')}
            {p.exceedsRpo && ' — exceeds the RPO bound'}
          </dd>
          <dt>Expires</dt>
          <dd>{formatDateTime(p.expiresAt)}</dd>
          {p.switchover && (
            <>
              <dt>Switchover</dt>
              <dd data-testid="switchover-facts">
                {p.switchover.scheduledAt ? `scheduled ${formatDateTime(p.switchover.scheduledAt)} (window until ${p.switchover.windowEnd ? formatDateTime(p.switchover.windowEnd) : "?"}); ` : ''}
                lag at start {formatBytes(p.switchover.lagAtStartBytes, 'unknown')}; final WAL position {p.switchover.finalLsn ?? '–'}; write gap{' '}
                <strong>{p.switchover.writeGapMs === null ? '–' : `${p.switchover.writeGapMs} ms`}</strong>
                {p.switchover.outcome ? ` — ${p.switchover.outcome === 'rolled-back' ? 'rolled back: the old primary runs again, nothing lost' : 'switched, nothing lost'}` : ''}
              </dd>
            </>
          )}
        </dl>
        <ul className="reasons small">
          {p.verdict.reasons.map((r, i) => (
            <li key={`${r.code}-${i}`}>
              <code>{r.code}</code> {r.message}
            </li>
          ))}
        </ul>
      </div>
      <div className="card">
        <h2>Steps</h2>
        <ol className="steps" aria-live="polite" aria-label="Promotion steps">
          {p.steps.map((s, i) => (
            <li key={i} className={`step ${s.status}`} data-step={s.name} data-status={s.status}>
              <span className={`badge ${s.status === 'ok' ? 'ok' : s.status === 'failed' ? 'bad' : 'warn'}`}>{s.status}</span>
              <strong>{s.name}</strong>
              <span className="small muted">{formatClock(s.at)}</span>
              <span className="small">{s.detail}</span>
            </li>
          ))}
        </ol>
      </div>
      {mayAct && p.status === 'PENDING' && <ApprovalForm p={p} stepUp={stepUp} />}
      {mayAct && isNotStarted(p.status) && <StopButtons p={p} canCancel={mayCancel({ type: 'user', id: userId, role }, p.requestedById)} />}
      {mayAct && promoteOutcomeUnknown(p) && <AbandonForm p={p} />}
    </section>
  );
}

/** LOSS_GREW: the fresh loss outgrew what the approvals were given; both numbers, and what to do. */
function LossGrewNotice({ p }: { p: TPromotionView }) {
  const g = p.lossGrew!;
  const current = p.pendingReason === 'LOSS_GREW';
  return (
    <div className={`notice ${current ? 'warn' : ''}`} role={current ? 'alert' : undefined} data-testid="loss-grew">
      <p>
        <code>{g.code}</code> {current ? 'Back to PENDING:' : `At ${formatDateTime(g.at)}:`} the estimated loss grew from{' '}
        <strong data-testid="loss-grew-approved">{formatBytes(g.approvedBytes, 'unknown')}</strong> (approved
        {g.acknowledgedBytes !== null ? `, acknowledged ${formatBytes(g.acknowledgedBytes)}` : ''}) to{' '}
        <strong data-testid="loss-grew-fresh">{formatBytes(g.freshBytes, 'unknown')}</strong> at execution
        {g.allowedBytes !== null ? ` (allowed up to ${formatBytes(g.allowedBytes)}: one WAL page of slack)` : ''}.
      </p>
      <p className="small">
        {g.message}. {g.lapsedApprovals.length > 0 ? `The approvals of ${g.lapsedApprovals.join(', ')} lapsed. ` : ''}
        {current ? 'Approve again for the new estimate.' : ''}
      </p>
    </div>
  );
}

function ApprovalForm({ p, stepUp }: { p: TPromotionView; stepUp: TStepUp }) {
  const qc = useQueryClient();
  const [password, setPassword] = useState('');
  const [attestation, setAttestation] = useState('');
  const [ack, setAck] = useState('');
  const m = useMutation({
    mutationFn: () =>
      fetchJson(`/api/v1/promotions/${p.id}/approvals`, {
        method: 'POST',
        body: { ...(stepUp.method === 'password' ? { password } : {}), ...(p.requiresAttestation ? { attestation } : {}), ...(p.exceedsRpo ? { acknowledgeDataLossBytes: Number(ack) } : {}) },
      }),
    onSuccess: () => {
      setPassword('');
      void qc.invalidateQueries({ queryKey: ['promotion', p.id] });
    },
  });
  const err = m.error;
  const bad = (path: string) => fieldInvalid(err, path);
  return (
    <form
      className="card form"
      aria-label="Approve"
      onSubmit={(e) => {
        e.preventDefault();
        m.mutate();
      }}
    >
      <h2>Approve</h2>
      {stepUp.method === 'password' ? (
        <label>
          Your password (re-enter to approve)
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} aria-invalid={bad('password')} />
        </label>
      ) : (
        <OidcStepUp callbackUrl={`/promotions/${encodeURIComponent(p.id)}`} stepUp={stepUp} refused={err instanceof Error && /sign in again at the identity provider/.test(err.message)} />
      )}
      {p.requiresAttestation && (
        <label>
          Attestation: the old primary is fenced (powered off or isolated)
          <span className="hint">Type exactly: {p.attestationText}</span>
          <input value={attestation} onChange={(e) => setAttestation(e.target.value)} aria-invalid={bad('attestation')} />
        </label>
      )}
      {p.exceedsRpo && (
        <label>
          Acknowledge the data loss (bytes)
          <span className="hint">The estimate ({formatBytes(p.estimatedLossBytes, 'unknown')}) exceeds the RPO bound; type a number ≥ {p.estimatedLossBytes ?? '?'}</span>
          <input inputMode="numeric" value={ack} onChange={(e) => setAck(e.target.value)} aria-invalid={bad('acknowledgeDataLossBytes')} />
        </label>
      )}
      {err && <p className="error" role="alert">{errorMessage(err)}</p>}
      {m.isSuccess && <p className="notice ok">Approval recorded.</p>}
      {(stepUp.method === 'password' || stepUp.fresh) && (
        <button className="btn primary" type="submit" disabled={m.isPending}>
          {m.isPending ? 'Approving…' : 'Approve promotion'}
        </button>
      )}
    </form>
  );
}

/** CANDIDATE_PROMOTING with no end in sight: the candidate is fenced first, then the request ends FAILED. */
function AbandonForm({ p }: { p: TPromotionView }) {
  const qc = useQueryClient();
  const [reason, setReason] = useState('');
  const [password, setPassword] = useState('');
  const [attestation, setAttestation] = useState('');
  const m = useMutation({
    mutationFn: () => fetchJson(`/api/v1/promotions/${p.id}/abandon`, { method: 'POST', body: { reason, password, ...(attestation.trim() ? { attestation } : {}) } }),
    onSuccess: () => {
      setPassword('');
      void qc.invalidateQueries({ queryKey: ['promotion', p.id] });
    },
  });
  const err = m.error;
  return (
    <form
      className="card form"
      aria-label="Abandon the promote"
      onSubmit={(e) => {
        e.preventDefault();
        m.mutate();
      }}
    >
      <h2>Abandon the promote</h2>
      <p className="small">
        The promote call to {p.candidate} ended without saying whether it finished, so every other promotion of {p.cluster} is blocked until {p.candidate} is seen as the primary. If it
        never will (for example it was restarted, which drops PostgreSQL&apos;s promote signal), abandon it: Vakt fences {p.candidate} with epoch {p.epochAfter ?? '?'} first, so it can never finish
        promoting, and then ends this request.
      </p>
      <label>
        Reason
        <input value={reason} onChange={(e) => setReason(e.target.value)} aria-invalid={fieldInvalid(err, 'reason')} />
      </label>
      <label>
        Your password (re-enter)
        <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} aria-invalid={fieldInvalid(err, 'password')} />
      </label>
      <label>
        Attestation, only when {p.candidate}&apos;s agent is unreachable
        <span className="hint">Type exactly: {attestationTextFor(p.candidate)} (it is powered off or isolated)</span>
        <input value={attestation} onChange={(e) => setAttestation(e.target.value)} aria-invalid={fieldInvalid(err, 'attestation')} />
      </label>
      {err && <p className="error" role="alert">{errorMessage(err)}</p>}
      <button className="btn danger" type="submit" disabled={m.isPending || reason.trim().length < 3}>
        {m.isPending ? 'Fencing…' : `Fence ${p.candidate} and abandon`}
      </button>
    </form>
  );
}

function StopButtons({ p, canCancel }: { p: TPromotionView; canCancel: boolean }) {
  const qc = useQueryClient();
  const [reason, setReason] = useState('');
  const done = () => void qc.invalidateQueries({ queryKey: ['promotion', p.id] });
  const reject = useMutation({ mutationFn: () => fetchJson(`/api/v1/promotions/${p.id}/reject`, { method: 'POST', body: { reason } }), onSuccess: done });
  const cancel = useMutation({ mutationFn: () => fetchJson(`/api/v1/promotions/${p.id}/cancel`, { method: 'POST', body: reason ? { reason } : {} }), onSuccess: done });
  const err = reject.error ?? cancel.error;
  return (
    <div className="card form">
      <label>
        Reason (to reject or cancel)
        <input value={reason} onChange={(e) => setReason(e.target.value)} />
      </label>
      {err && <p className="error" role="alert">{errorMessage(err)}</p>}
      <div className="row">
        <button className="btn danger" onClick={() => reject.mutate()} disabled={reject.isPending || reason.trim().length < 3}>
          Reject
        </button>
        {canCancel && (
          <button className="btn" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
            Cancel request
          </button>
        )}
      </div>
    </div>
  );
}
