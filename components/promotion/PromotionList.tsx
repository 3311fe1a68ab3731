'use client';
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import type { TPromotionListItem } from '@/lib/promotion/list-promotions';
import { errorMessage, fetchJson } from '@/components/lib/fetch-json';
import { formatDateTime } from '@/components/lib/format';
import { LIVE_REFRESH_MS } from '@/components/lib/refresh';

export type TPromotionListProps = {
  /** only this cluster's promotions */
  clusterName?: string;
  status?: string;
  refreshMs?: number;
};

/** Promotions (newest first), live. Embed with clusterName on a cluster page. */
export function PromotionList({ clusterName, status, refreshMs = LIVE_REFRESH_MS }: TPromotionListProps) {
  const params = new URLSearchParams();
  if (clusterName) params.set('cluster', clusterName);
  if (status) params.set('status', status);
  const q = useQuery({ queryKey: ['promotions', clusterName ?? '', status ?? ''], queryFn: ({ signal }) => fetchJson<{ promotions: TPromotionListItem[] }>(`/api/v1/promotions?${params}`, { signal }), refetchInterval: refreshMs });
  if (q.isPending) return <p aria-busy="true">Loading promotions…</p>;
  if (q.isError) return <p className="notice bad" role="alert">{errorMessage(q.error)}</p>;
  if (q.data.promotions.length === 0) return <p className="muted">No promotions.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>When</th>
          {!clusterName && <th>Cluster</th>}
          <th>Candidate</th>
          <th>Kind</th>
          <th>Status</th>
          <th>Approvals</th>
          <th>Epoch</th>
          <th>Requested by</th>
        </tr>
      </thead>
      <tbody>
        {q.data.promotions.map((p) => (
          <tr key={p.id}>
            <td>
              <Link href={`/promotions/${p.id}`}>{formatDateTime(p.createdAt)}</Link>
            </td>
            {!clusterName && <td>{p.cluster}</td>}
            <td>{p.candidate}</td>
            <td data-testid={`kind-${p.id}`}>
              {p.kind === 'switchover' ? `switchover${p.outcome === 'rolled-back' ? ' (rolled back)' : ''}${p.writeGapMs !== null ? `, write gap ${p.writeGapMs} ms` : ''}${p.scheduledAt ? `, at ${formatDateTime(p.scheduledAt)}` : ''}` : 'failover'}
            </td>
            <td>
              <span className={`badge ${p.status}`}>{p.status}</span>
            </td>
            <td>
              {p.approvals}/{p.approvalsRequired}
            </td>
            <td>
              {p.epochBefore} → {p.epochAfter ?? '–'}
            </td>
            <td>{p.automatic ? 'automatic' : p.requestedBy}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
