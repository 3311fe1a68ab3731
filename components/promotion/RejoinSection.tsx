'use client';
import { useRef, useState, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TClusterRejoins, TRejoinView } from '@/lib/promotion/list-rejoins';
import { OPEN_REJOIN_STATUSES, REJOIN_NOT_STARTED } from '@/lib/promotion/rejoin-rules';
import { mayCancel } from '@/lib/promotion/rules';
import { hasRole, type TRole } from '@/lib/auth/roles';
import type { TStepUp } from '@/lib/auth/step-up';
import { errorMessage, fetchJson, fieldInvalid } from '@/components/lib/fetch-json';
import { formatClock, formatDateTime } from '@/components/lib/format';
import { useLiveRefetchMs } from '@/components/lib/live-stream';
import { LIVE_REFRESH_MS } from '@/components/lib/refresh';
import { OidcStepUp } from './OidcStepUp';

export type TRejoinSectionProps = {
  cluster: string;
  role: TRole;
  /** the signed-in user's id: the requester never approves, and may cancel */
  userId: string | null;
  stepUp: TStepUp;
};

/**
 * Rejoin after a failover on the cluster page (issue 15): `Request rejoin` for each member the API offers
 * (rejoin-rules.ts rejoinOffered, on the agents' stored answers), and every rejoin request with its state,
 * its steps (output collapsible) and, for operators, Approve rejoin (a second operator, step-up), Reject
 * and Cancel (the requester or an admin). Viewers see no buttons. Live: the cluster's stream events, and
 * polling every LIVE_REFRESH_MS while a request is open (its steps are not part of the cluster's events).
 */
export function RejoinSection({ cluster, role, userId, stepUp }: TRejoinSectionProps) {
  const liveMs = useLiveRefetchMs();
  const url = `/api/v1/clusters/${encodeURIComponent(cluster)}/rejoins`;
  const q = useQuery({
    queryKey: ['safety', cluster, 'rejoins'],
    queryFn: ({ signal }) => fetchJson<TClusterRejoins>(url, { signal }),
    refetchInterval: (query) => (query.state.data?.items.some((r) => OPEN_REJOIN_STATUSES.includes(r.status)) ? LIVE_REFRESH_MS : liveMs),
  });
  const operator = hasRole(role, 'operator');
  if (q.isPending) return <section className="card" aria-label="Rejoin" aria-busy="true">Loading rejoin requests…</section>;
  if (q.isError) return <section className="card notice bad" aria-label="Rejoin" role="alert">Rejoin requests unavailable: {errorMessage(q.error)}</section>;
  const { offers, items } = q.data;
  const latest = new Map<string, TRejoinView>();
  for (const r of items) if (!latest.has(r.member)) latest.set(r.member, r);
  const earlier = items.filter((r) => latest.get(r.member) !== r);
  return (
    <section className="card rejoin" aria-label="Rejoin">
      <h2>Rejoin</h2>
      <p className="small muted">
        A fenced old primary, or a replica left on an old timeline, comes back as a replica of the current primary: pg_rewind (or a fresh base backup when rewind cannot work), started as a
        replica, verified streaming, unfenced. Every step runs through the member&apos;s agent with the epoch check and needs one approval by a second operator.
      </p>
      {offers.length === 0 && latest.size === 0 && <p className="muted">No member needs a rejoin.</p>}
      {offers.map((o) => (
        <div key={o.member} className="spread" role="group" aria-label={`offer ${o.member}`}>
          <span>
            <strong>{o.member}</strong> can rejoin as a replica of {o.primary}
            {o.fenceFirst ? ' (it will be fenced first)' : ''}.
          </span>
          {operator && (
            <ReasonDialog
              cluster={cluster}
              url={`/api/v1/clusters/${encodeURIComponent(cluster)}/members/${encodeURIComponent(o.member)}/rejoin`}
              label="Request rejoin"
              title={`Request rejoin of ${o.member}`}
              prompt={`Why should ${o.member} rejoin?`}
              hint={`Another operator approves it; then the worker rewinds ${o.member} (or takes a fresh base backup) and starts it as a replica.`}
            />
          )}
        </div>
      ))}
      {[...latest.values()].map((r) => (
        <RejoinArticle key={r.id} cluster={cluster} r={r} operator={operator} userId={userId} role={role} stepUp={stepUp} />
      ))}
      {earlier.length > 0 && (
        <details>
          <summary>Earlier rejoin requests ({earlier.length})</summary>
          <ul className="small">
            {earlier.map((r) => (
              <li key={r.id}>
                {r.member}: {r.status}
                {r.outcome ? ` (${r.outcome})` : ''} · requested by {r.requestedBy} {formatDateTime(r.createdAt)}
                {r.finishedAt ? ` · ended ${formatDateTime(r.finishedAt)}` : ''}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

function RejoinArticle({ cluster, r, operator, userId, role, stepUp }: { cluster: string; r: TRejoinView; operator: boolean; userId: string | null; role: TRole; stepUp: TStepUp }) {
  const notStarted = REJOIN_NOT_STARTED.includes(r.status);
  const base = `/api/v1/clusters/${encodeURIComponent(cluster)}/members/${encodeURIComponent(r.member)}/rejoin/${encodeURIComponent(r.id)}`;
  return (
    <article aria-label={`rejoin ${r.member}`} className="rejoin-request">
      <div className="spread">
        <h3>
          Rejoin {r.member}{' '}
          <span className={`badge ${r.status}`} data-testid="rejoin-status">
            {r.status}
          </span>
        </h3>
        <span className="small muted">
          requested by {r.requestedBy} · {formatDateTime(r.createdAt)}
          {r.approvedBy ? ` · approved by ${r.approvedBy}` : ''}
          {r.status === 'PENDING' ? ` · expires ${formatClock(r.expiresAt)}` : ''}
        </span>
      </div>
      <p>
        {r.reason}
        {r.outcome ? (
          <>
            {' '}
            <span className="small muted">Outcome: {r.outcome}.</span>
          </>
        ) : null}
      </p>
      <ol className="steps">
        {r.steps.map((s, i) => (
          <li key={`${s.name}-${i}`} className={`step ${s.status}`}>
            <strong>{s.name}</strong> <span className="small">{s.status}</span> <span className="small muted">{formatClock(s.at)}</span>
            <details>
              <summary className="small">output</summary>
              <pre className="small">{s.detail}</pre>
            </details>
          </li>
        ))}
      </ol>
      {operator && notStarted && (
        <div className="row">
          {r.status === 'PENDING' && (userId === null || userId !== r.requestedById) && <ApproveRejoin cluster={cluster} r={r} url={`${base}/approvals`} stepUp={stepUp} />}
          <ReasonDialog cluster={cluster} url={`${base}/reject`} label="Reject" danger title={`Reject the rejoin of ${r.member}`} prompt="Why reject it?" />
          {mayCancel({ type: 'user', id: userId, role }, r.requestedById) && <CancelRejoin cluster={cluster} url={`${base}/cancel`} />}
        </div>
      )}
    </article>
  );
}

function useRejoinMutation(cluster: string, fn: () => Promise<unknown>, then?: () => void) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => {
      then?.();
      void qc.invalidateQueries({ queryKey: ['safety', cluster] });
    },
  });
}

/**
 * A button that opens a native modal <dialog> (focus moves in, Escape closes, focus goes back to the
 * button). While it is open the button is hidden from assistive technology (the page behind is inert), so
 * the dialog's submit may carry the same name.
 */
function DialogButton(props: { label: string; title: string; submit: string; danger?: boolean; pending: boolean; error: unknown; onSubmit: (close: () => void) => void; children: ReactNode }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const [open, setOpen] = useState(false);
  const close = () => dialog.current?.close();
  return (
    <>
      <button
        ref={opener}
        type="button"
        className={`btn ${props.danger ? 'danger' : 'primary'}`}
        aria-hidden={open || undefined}
        onClick={() => {
          dialog.current?.showModal();
          setOpen(true);
        }}
      >
        {props.label}
      </button>
      <dialog
        ref={dialog}
        aria-label={props.title}
        className="card"
        onClose={() => {
          setOpen(false);
          opener.current?.focus();
        }}
      >
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            props.onSubmit(close);
          }}
        >
          <h3>{props.title}</h3>
          {props.children}
          {props.error ? (
            <p className="error" role="alert">
              {errorMessage(props.error)}
            </p>
          ) : null}
          <div className="row">
            <button className={`btn ${props.danger ? 'danger' : 'primary'}`} type="submit" disabled={props.pending}>
              {props.submit}
            </button>
            <button className="btn" type="button" onClick={close}>
              Close
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

/** A dialog that asks for a reason and POSTs `{reason}` to `url` (request a rejoin, reject one). */
function ReasonDialog(p: { cluster: string; url: string; label: string; title: string; prompt: string; danger?: boolean; hint?: string }) {
  const [reason, setReason] = useState('');
  const m = useRejoinMutation(p.cluster, () => fetchJson(p.url, { method: 'POST', body: { reason } }));
  return (
    <DialogButton label={p.label} title={p.title} submit={p.label} danger={p.danger} pending={m.isPending} error={m.error} onSubmit={(close) => m.mutate(undefined, { onSuccess: close })}>
      <label>
        {p.prompt}
        <textarea autoFocus value={reason} onChange={(e) => setReason(e.target.value)} required minLength={3} aria-invalid={fieldInvalid(m.error, 'reason')} />
      </label>
      {p.hint && <p className="small muted">{p.hint}</p>}
    </DialogButton>
  );
}

function ApproveRejoin({ cluster, r, url, stepUp }: { cluster: string; r: TRejoinView; url: string; stepUp: TStepUp }) {
  const [password, setPassword] = useState('');
  const m = useRejoinMutation(cluster, () => fetchJson(url, { method: 'POST', body: stepUp.method === 'password' ? { password } : {} }), () => setPassword(''));
  const refused = m.error instanceof Error && /sign in again at the identity provider/.test(m.error.message);
  return (
    <DialogButton label="Approve rejoin" title={`Approve rejoin of ${r.member}`} submit="Approve rejoin" pending={m.isPending || (stepUp.method === 'oidc' && (!stepUp.fresh || refused))} error={m.error} onSubmit={(close) => m.mutate(undefined, { onSuccess: close })}>
      <p className="small">
        {r.requestedBy} asks: {r.reason}
      </p>
      {stepUp.method === 'password' ? (
        <label>
          Your password (re-enter to approve)
          <input autoFocus type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} aria-invalid={fieldInvalid(m.error, 'password')} />
        </label>
      ) : (
        <OidcStepUp callbackUrl={`/clusters/${encodeURIComponent(cluster)}`} stepUp={stepUp} refused={refused} />
      )}
    </DialogButton>
  );
}

function CancelRejoin({ cluster, url }: { cluster: string; url: string }) {
  const m = useRejoinMutation(cluster, () => fetchJson(url, { method: 'POST', body: {} }));
  return (
    <>
      <button type="button" className="btn" onClick={() => m.mutate()} disabled={m.isPending}>
        Cancel
      </button>
      {m.error ? (
        <span className="error" role="alert">
          {' '}
          {errorMessage(m.error)}
        </span>
      ) : null}
    </>
  );
}
