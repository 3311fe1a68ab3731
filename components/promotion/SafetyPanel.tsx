'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TClusterSafety, TSafetyCandidate } from '@/lib/promotion/get-cluster-safety';
import { hasRole, type TRole } from '@/lib/auth/roles';
import { errorMessage, fetchJson, fieldInvalid } from '@/components/lib/fetch-json';
import { formatBound, formatBytes, formatClock, formatDuration } from '@/components/lib/format';
import { useLiveRefetchMs } from '@/components/lib/live-stream';
import { MaintenanceBanner } from './MaintenanceBanner';
import { SwitchoverPanel } from './SwitchoverPanel';

export type TSafetyPanelProps = {
  clusterName: string;
  /** the signed-in person's role (from the server page); request buttons only for operator and admin */
  role: TRole;
  /** refetch interval; default: useLiveRefetchMs() (events from the live stream, polling while it is down) */
  refreshMs?: number;
};

/** Promotion safety of one cluster: per candidate the verdict, reasons, data loss vs RPO, approvals; live. */
export function SafetyPanel({ clusterName, role, refreshMs }: TSafetyPanelProps) {
  const liveMs = useLiveRefetchMs();
  const url = `/api/v1/clusters/${encodeURIComponent(clusterName)}/safety`;
  const q = useQuery({ queryKey: ['safety', clusterName], queryFn: ({ signal }) => fetchJson<TClusterSafety>(url, { signal }), refetchInterval: refreshMs ?? liveMs });
  if (q.isPending) return <section className="card" aria-busy="true">Loading promotion safety…</section>;
  if (q.isError) return <section className="card notice bad" role="alert">Promotion safety unavailable: {errorMessage(q.error)}</section>;
  const s = q.data;
  const open = s.openRequests[0] ?? null;
  return (
    <section className="card safety-panel" aria-label="Promotion safety">
      <div className="spread">
        <h2>
          Promotion safety <span className={`badge ${s.state}`}>{s.state}</span>
        </h2>
        <span className="muted small">
          epoch {s.epoch} · evaluated {formatClock(s.evaluatedAt)}
        </span>
      </div>
      <MaintenanceBanner cluster={s.cluster} maintenance={s.maintenance} />
      {s.stale && (
        <p className="notice warn" role="status" data-testid="safety-stale">
          <strong>Not current:</strong> Vakt&apos;s worker last evaluated this cluster {s.computedAt ? `at ${formatClock(s.computedAt)}` : 'never'}; every candidate is blocked until it evaluates again (is a worker running?).
        </p>
      )}
      {s.alarms.map((a, i) => (
        <p key={`${a.code}-${i}`} className={`notice ${a.code === 'SPLIT_BRAIN' ? 'bad' : 'warn'}`} role={a.code === 'SPLIT_BRAIN' ? 'alert' : undefined}>
          <strong>{a.code}</strong>: {a.message}
        </p>
      ))}
      {s.fenceTarget && s.state === 'SPLIT_BRAIN' && <p className="notice bad">Fence {s.fenceTarget} (stale epoch) before anything else.</p>}
      {s.needsRebuild.map((n) => (
        <div key={n.node} className="notice warn">
          <strong>{n.node}: needs rebuild.</strong> {n.reason}
          {n.rejoin && (
            <ol className="small">
              {n.rejoin.steps.map((st) => (
                <li key={st.command}>
                  {st.title}
                  <pre>{st.command}</pre>
                </li>
              ))}
            </ol>
          )}
        </div>
      ))}
      {s.needsRepoint.map((n) => (
        <div key={n.node} className="notice warn">
          <strong>{n.node}: needs repoint.</strong> {n.reason}
          {n.repoint && (
            <>
              <ol className="small">
                {n.repoint.steps.map((st) => (
                  <li key={st.command}>
                    {st.title}
                    <pre>{st.command}</pre>
                  </li>
                ))}
              </ol>
              <p className="small muted">{n.repoint.note}</p>
            </>
          )}
        </div>
      ))}
      {open && (
        <p className="notice">
          Open request: {open.kind === 'switchover' ? 'switch over to' : 'promote'} <strong>{open.candidate}</strong> ({open.status}
          {open.pendingReason ? `, ${open.pendingReason}: approve again` : ''}, {open.approvals.length}/{open.approvalsRequired} approvals, by {open.requestedBy}) —{' '}
          <Link href={`/promotions/${open.id}`}>open it</Link>
        </p>
      )}
      {s.candidates.length === 0 && <p className="muted">No replica to promote.</p>}
      <div className="candidates">
        {s.candidates.map((c) => (
          <Candidate key={c.node} cluster={clusterName} c={c} role={role} approvalsGiven={open?.candidate === c.node ? open.approvals.length : 0} hasOpen={open !== null} />
        ))}
      </div>
      <SwitchoverPanel s={s} role={role} />
    </section>
  );
}

function Candidate({ cluster, c, role, approvalsGiven, hasOpen }: { cluster: string; c: TSafetyCandidate; role: TRole; approvalsGiven: number; hasOpen: boolean }) {
  const [asking, setAsking] = useState(false);
  const allowed = (c.verdict === 'GATED' || c.verdict === 'SAFE') && hasRole(role, 'operator') && !hasOpen;
  return (
    <article className="candidate" aria-label={`candidate ${c.node}`}>
      <div className="spread">
        <h3>
          {c.node} <span className={`badge ${c.verdict}`}>{c.verdict}</span>
        </h3>
        <span className="small muted">
          site {c.site} · {c.crossSite ? 'cross-site' : 'same site'} · approvals {approvalsGiven}/{c.approvalsRequired}
        </span>
      </div>
      <dl className="kv small">
        {c.dataLoss.basis === 'proven-final' ? (
          <>
            <dt>Exact loss</dt>
            <dd data-testid={`loss-${c.node}`}>
              <strong>
                {formatBytes(c.dataLoss.bytes, 'unknown')}, {c.dataLoss.exact ? 'proven' : `proven final position; ${c.node} last observed before the stop, so at most`}
              </strong>
              {c.dataLoss.bytes ? `, at most ${formatDuration(c.dataLoss.seconds, 'unknown')} of writes` : ''} — {c.dataLoss.proof}
            </dd>
          </>
        ) : (
          <>
            <dt>Estimated loss</dt>
            <dd data-testid={`loss-${c.node}`}>
              {formatBytes(c.dataLoss.bytes, 'unknown')}, {formatDuration(c.dataLoss.seconds, 'unknown')} behind; unknown window {formatDuration(c.dataLoss.unknownWindowSeconds, 'unknown')}
              {c.dataLoss.windowCoveredBySync ? ' (covered by sync replication)' : ''}; worst case {formatDuration(c.dataLoss.worstCaseSeconds, 'unknown')}
            </dd>
          </>
        )}
        <dt>WAL salvage</dt>
        <dd data-testid={`salvage-${c.node}`}>
          {!c.salvage ? null : c.salvage.possible ? (
            <>
              {formatBytes(c.salvage.bytes, 'unknown')} from {c.salvage.source} (about {formatDuration(c.salvage.expectedSeconds, 'unknown')}); loss with salvage {formatBytes(c.salvage.remainingBytes, 'unknown')}
            </>
          ) : (
            <span className="muted">{c.salvage.reason}</span>
          )}
        </dd>
        {c.contexts.map((x) => (
          <div key={x.slug} className="contents">
            <dt>RPO of {x.slug}</dt>
            <dd>
              {x.rpoBoundSeconds === null ? 'bound not set' : formatBound(x.rpoBoundSeconds)}{' '}
              {x.withinRpo === null ? <span className="badge unknown">unknown</span> : x.withinRpo ? <span className="badge ok">within</span> : <span className="badge bad">exceeds</span>}
            </dd>
          </div>
        ))}
      </dl>
      <ul className="reasons">
        {c.reasons.map((r, i) => (
          <li key={`${r.code}-${i}`} className={`reason ${r.effect}`}>
            <code>{r.code}</code> {r.message}
          </li>
        ))}
      </ul>
      {c.verdict === 'MANUAL' && c.runbook && (
        <details>
          <summary>Runbook</summary>
          <pre>{c.runbook}</pre>
        </details>
      )}
      {allowed && !asking && (
        <button className="btn primary" onClick={() => setAsking(true)}>
          Request promotion
        </button>
      )}
      {allowed && asking && <RequestForm cluster={cluster} candidate={c.node} onDone={() => setAsking(false)} />}
    </article>
  );
}

function RequestForm({ cluster, candidate, onDone }: { cluster: string; candidate: string; onDone: () => void }) {
  const qc = useQueryClient();
  const router = useRouter();
  const [reason, setReason] = useState('');
  const m = useMutation({
    mutationFn: () => fetchJson<{ id: string; status: string }>(`/api/v1/clusters/${encodeURIComponent(cluster)}/promotions`, { method: 'POST', body: { candidate, reason } }),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: ['safety', cluster] });
      router.push(`/promotions/${r.id}`);
    },
  });
  const err = m.error;
  return (
    <form
      className="form"
      onSubmit={(e) => {
        e.preventDefault();
        m.mutate();
      }}
    >
      <label>
        Why promote {candidate}?
        <textarea value={reason} onChange={(e) => setReason(e.target.value)} required minLength={3} aria-invalid={fieldInvalid(err, 'reason')} />
      </label>
      {err && <p className="error" role="alert">{errorMessage(err)}</p>}
      <div className="row">
        <button className="btn primary" type="submit" disabled={m.isPending}>
          {m.isPending ? 'Requesting…' : `Request promotion of ${candidate}`}
        </button>
        <button className="btn" type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
