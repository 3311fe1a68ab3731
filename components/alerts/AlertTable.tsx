import Link from 'next/link';
import type { ReactNode } from 'react';
import type { TAlertView } from '@/lib/alerts/alerts';
import { Badge } from '@/components/ui/Badge';
import { formatDateTime } from '@/components/lib/format';

/** Alerts by severity (critical first): what, where, since when, what to do, a link to the page that shows it. */
export function AlertTable({ alerts, caption, actions }: { alerts: TAlertView[]; caption: string; actions?: (a: TAlertView) => ReactNode }) {
  if (!alerts.length) return <p className="muted">None.</p>;
  return (
    <table>
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr>
          <th>Severity</th>
          <th>Alert</th>
          <th>Where</th>
          <th>{alerts[0].state === 'resolved' ? 'Fired / resolved' : 'Since'}</th>
          <th>What to do</th>
          <th>Delivered</th>
          {actions && <th>Act</th>}
        </tr>
      </thead>
      <tbody>
        {alerts.map((a) => (
          <tr key={a.id} data-alert-key={a.key}>
            <td>
              <Badge tone={a.severity === 'critical' ? 'error' : 'warning'}>{a.severity}</Badge>
            </td>
            <td>
              <strong>{a.summary}</strong>
              <br />
              <span className="muted">{a.message}</span>
              {a.silenced && (
                <>
                  <br />
                  <Badge tone="unknown">silenced</Badge>
                </>
              )}
              {a.acked && (
                <>
                  <br />
                  <span className="muted">acknowledged by {a.acked.by}</span>
                </>
              )}
            </td>
            <td>
              <Link href={a.link}>{a.context ?? (a.member ? `${a.cluster}/${a.member}` : a.cluster)}</Link>
            </td>
            <td>
              {formatDateTime(a.firedAt)}
              {a.resolvedAt && <> – {formatDateTime(a.resolvedAt)}</>}
            </td>
            <td>{a.action}</td>
            <td>
              {a.deliveries.length === 0 ? (
                <span className="muted">no receivers</span>
              ) : (
                <ul className="flush">
                  {a.deliveries.map((d) => (
                    <li key={`${d.receiver}-${d.event}`}>
                      {d.receiver} {d.event}: {d.status}
                      {d.attempts > 1 ? ` (${d.attempts} attempts)` : ''}
                      {d.status !== 'delivered' && d.lastError ? <span className="muted"> — {d.lastError}</span> : null}
                    </li>
                  ))}
                </ul>
              )}
            </td>
            {actions && <td>{actions(a)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
