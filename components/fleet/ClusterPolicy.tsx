import Link from 'next/link';
import type { TClusterPolicy, TPolicyField } from '@/lib/findings/cluster-policy';

// The cluster's policy view (issue 16 item 2): the contexts it holds with their classes, failover
// modes, cross-site stances and approvals, and the effective policy the cluster must meet (the
// strictest of each, and which contexts force it). Read from the stored view; nothing is computed here.

const forced = (slugs: string[]) => (slugs.length ? <span className="muted small"> (forced by {slugs.join(', ')})</span> : null);
const bound = (s: number | null) => (s === null ? 'no bound' : `≤ ${s} s`);

export function ClusterPolicy({ policy }: { policy: TClusterPolicy }) {
  const e = policy.effective;
  const mark = (f: TPolicyField) => (policy.differs.includes(f) ? ' ≠' : '');
  return (
    <section aria-labelledby="cluster-policy">
      <h2 id="cluster-policy">Policy</h2>
      <table className="small">
        <thead>
          <tr>
            <th>context</th>
            <th>RPO{mark('rpoClass')}</th>
            <th>RTO{mark('rtoClass')}</th>
            <th>failover{mark('failover')}</th>
            <th>cross-site{mark('crossSite')}</th>
            <th>approvals{mark('approvalsRequired')}</th>
          </tr>
        </thead>
        <tbody>
          {policy.contexts.map((c) => (
            <tr key={c.slug}>
              <td>
                <Link href={`/contexts/${c.slug}`}>{c.slug}</Link>
              </td>
              <td>{c.rpoClass}</td>
              <td>{c.rtoClass}</td>
              <td>{c.failover}</td>
              <td>{c.crossSite}</td>
              <td>{c.approvalsRequired}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="small" data-testid="effective-policy">
        Effective policy this cluster must meet: RPO {e.rpo.value ?? 'unknown'} ({bound(e.rpo.boundSeconds)}){forced(e.rpo.forcedBy)}; RTO {e.rto.value ?? 'unknown'} ({bound(e.rto.boundSeconds)}){forced(e.rto.forcedBy)}; failover {e.failover.value}
        {forced(e.failover.forcedBy)}; {e.approvalsRequired.value} approval{e.approvalsRequired.value === 1 ? '' : 's'}
        {forced(e.approvalsRequired.forcedBy)}; cross-site replica {e.crossSiteReplica.value}
        {forced(e.crossSiteReplica.forcedBy)}; cross-site promotion {e.crossSitePromotion.value}
        {forced(e.crossSitePromotion.forcedBy)}.
        {[...e.rpo.unbounded, ...e.rto.unbounded].length > 0 && <> Classes without a bound are not compared ({[...new Set([...e.rpo.unbounded, ...e.rto.unbounded])].join(', ')}).</>}
        {policy.differs.length > 0 && <> The contexts differ (≠); each needs a declared justification (finding MIXED_CLASSES_WITHOUT_JUSTIFICATION).</>}
      </p>
    </section>
  );
}
