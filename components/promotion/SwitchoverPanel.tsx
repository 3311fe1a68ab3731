'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { TClusterSafety } from '@/lib/promotion/get-cluster-safety';
import { hasRole, type TRole } from '@/lib/auth/roles';
import { errorMessage, fetchJson, fieldInvalid } from '@/components/lib/fetch-json';
import { formatBytes } from '@/components/lib/format';

/**
 * Planned switchover (issue 15) and maintenance mode on the cluster page: every replica's switchover
 * verdict with its reasons and lag, a switchover form (operators; optionally scheduled), and maintenance
 * on/off. The data is the safety answer the panel above already fetched.
 */
export function SwitchoverPanel({ s, role }: { s: TClusterSafety; role: TRole }) {
  const operator = hasRole(role, 'operator');
  const hasOpen = s.openRequests.length > 0;
  return (
    <section aria-label="Planned switchover" className="switchover">
      <h3>Planned switchover {s.switchover.primary ? `from ${s.switchover.primary}` : ''}</h3>
      <p className="small muted">
        Vakt stops the primary cleanly, waits until the replica holds its final WAL position (within {formatBytes(s.switchover.maxLagBytes, '?')} to start), promotes it and restarts the old
        primary as its replica: no acknowledged write is lost. If the replica does not catch up in time, the old primary is started again.
      </p>
      {s.switchover.candidates.map((c) => (
        <article key={c.node} className="candidate" aria-label={`switchover to ${c.node}`}>
          <div className="spread">
            <h4>
              {c.node} <span className={`badge ${c.verdict}`}>{c.verdict}</span>
            </h4>
            <span className="small muted">
              lag {formatBytes(c.lagBytes, 'unknown')} received, {formatBytes(c.replayLagBytes, 'unknown')} replayed · approvals {c.approvalsRequired}
            </span>
          </div>
          <ul className="reasons">
            {c.reasons.map((r, i) => (
              <li key={`${r.code}-${i}`} className={`reason ${r.effect}`}>
                <code>{r.code}</code> {r.message}
              </li>
            ))}
          </ul>
          {operator && !hasOpen && (c.verdict === 'SAFE' || c.verdict === 'GATED') && <SwitchoverForm cluster={s.cluster} candidate={c.node} />}
        </article>
      ))}
      {operator && <MaintenanceControls cluster={s.cluster} active={s.maintenance !== null} />}
    </section>
  );
}

function useClusterMutation<T>(cluster: string, fn: () => Promise<T>, then?: (r: T) => void) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: ['safety', cluster] });
      then?.(r);
    },
  });
}

function SwitchoverForm({ cluster, candidate }: { cluster: string; candidate: string }) {
  const router = useRouter();
  const [reason, setReason] = useState('');
  const [at, setAt] = useState('');
  const m = useClusterMutation(
    cluster,
    () => fetchJson<{ id: string }>(`/api/v1/clusters/${encodeURIComponent(cluster)}/switchovers`, { method: 'POST', body: { candidate, reason, ...(at ? { scheduledAt: new Date(at).toISOString() } : {}) } }),
    (r) => router.push(`/promotions/${r.id}`),
  );
  return (
    <form
      className="form"
      aria-label={`switch over to ${candidate}`}
      onSubmit={(e) => {
        e.preventDefault();
        m.mutate();
      }}
    >
      <label>
        Why switch over to {candidate}?
        <input value={reason} onChange={(e) => setReason(e.target.value)} required minLength={3} aria-invalid={fieldInvalid(m.error, 'reason')} />
      </label>
      <label>
        At (empty: as soon as approved)
        <input type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} aria-invalid={fieldInvalid(m.error, 'scheduledAt')} />
      </label>
      {m.error && <p className="error" role="alert">{errorMessage(m.error)}</p>}
      <button className="btn primary" type="submit" disabled={m.isPending}>
        {m.isPending ? 'Requesting…' : `Request switchover to ${candidate}`}
      </button>
    </form>
  );
}

function MaintenanceControls({ cluster, active }: { cluster: string; active: boolean }) {
  const [reason, setReason] = useState('');
  const [until, setUntil] = useState('');
  const url = `/api/v1/clusters/${encodeURIComponent(cluster)}/maintenance`;
  const set = useClusterMutation(cluster, () => fetchJson(url, { method: 'PUT', body: { reason, until: until ? new Date(until).toISOString() : '' } }));
  const lift = useClusterMutation(cluster, () => fetchJson(url, { method: 'DELETE' }));
  const err = set.error ?? lift.error;
  return active ? (
    <p>
      <button className="btn" onClick={() => lift.mutate()} disabled={lift.isPending}>
        End maintenance now
      </button>
      {err && <span className="error" role="alert"> {errorMessage(err)}</span>}
    </p>
  ) : (
    <form
      className="form"
      aria-label="maintenance mode"
      onSubmit={(e) => {
        e.preventDefault();
        set.mutate();
      }}
    >
      <label>
        Maintenance: why
        <input value={reason} onChange={(e) => setReason(e.target.value)} required minLength={3} />
      </label>
      <label>
        Until
        <input type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} required aria-invalid={fieldInvalid(err, 'until')} />
      </label>
      {err && <p className="error" role="alert">{errorMessage(err)}</p>}
      <button className="btn" type="submit" disabled={set.isPending}>
        Pause automatic failover
      </button>
    </form>
  );
}
