import Link from 'next/link';
import type { ReactNode } from 'react';
import type { TAlertView } from '@/lib/alerts/alerts';
import { Badge } from '@/components/ui/Badge';
import { DataTable, type TDataColumn } from '@/components/ui/DataTable';
import { TimeAgo } from '@/components/ui/TimeAgo';

const SEVERITY_RANK: Record<string, number> = { critical: 0, warning: 1 };

/** Alerts by severity (critical first): what, where, since when, what to do, a link to the page that shows it. */
export function AlertTable({ alerts, caption, actions, now, empty }: { alerts: TAlertView[]; caption: string; actions?: (a: TAlertView) => ReactNode; now: Date; empty: string }) {
  const resolved = alerts[0]?.state === 'resolved';
  const columns: TDataColumn[] = [
    { label: 'Severity', sortable: true },
    { label: 'Alert', sortable: true },
    { label: 'Where', sortable: true },
    { label: resolved ? 'Fired / resolved' : 'Since', sortable: true },
    { label: 'What to do' },
    { label: 'Delivered' },
    ...(actions ? [{ label: 'Act' }] : []),
  ];
  return (
    <DataTable
      caption={<span className="sr-only">{caption}</span>}
      columns={columns}
      rowHeader={false}
      empty={<p className="muted">{empty}</p>}
      rows={alerts.map((a) => {
        const where = a.context ?? (a.member ? `${a.cluster}/${a.member}` : a.cluster);
        return {
          key: a.id,
          attrs: { 'data-alert-key': a.key },
          sort: [SEVERITY_RANK[a.severity] ?? 9, a.summary, where, a.firedAt],
          text: `${a.severity} ${a.summary} ${a.message} ${where ?? ''} ${a.rule}${a.silenced ? ' silenced' : ''}`,
          cells: [
            <Badge key="s" tone={a.severity === 'critical' ? 'error' : 'warning'}>
              {a.severity}
            </Badge>,
            <span key="a">
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
            </span>,
            <Link key="w" href={a.link}>
              {where}
            </Link>,
            <span key="t">
              <TimeAgo date={a.firedAt} now={now} />
              {a.resolvedAt && (
                <>
                  {' – '}
                  <TimeAgo date={a.resolvedAt} now={now} />
                </>
              )}
            </span>,
            a.action,
            a.deliveries.length === 0 ? (
              <span key="d" className="muted">
                no receivers
              </span>
            ) : (
              <ul key="d" className="flush">
                {a.deliveries.map((d) => (
                  <li key={`${d.receiver}-${d.event}`}>
                    {d.receiver} {d.event}: {d.status}
                    {d.attempts > 1 ? ` (${d.attempts} attempts)` : ''}
                    {d.status !== 'delivered' && d.lastError ? <span className="muted"> — {d.lastError}</span> : null}
                  </li>
                ))}
              </ul>
            ),
            ...(actions ? [<span key="x">{actions(a)}</span>] : []),
          ],
        };
      })}
    />
  );
}
