import Link from 'next/link';
import type { TDrillView } from '@/lib/drills/read-drills';
import { Badge, type TBadgeTone } from '@/components/ui/Badge';
import { DataTable, type TDataColumn } from '@/components/ui/DataTable';
import { TimeAgo } from '@/components/ui/TimeAgo';
import { formatBytes, formatDuration } from '@/components/lib/format';

// Restore drills as one table (a cluster's drills on its page, every cluster's on /drills), newest
// first, sortable and filterable (components/ui/DataTable).

const TONE: Record<string, TBadgeTone> = { QUEUED: 'info', RUNNING: 'info', SUCCEEDED: 'ok', FAILED: 'error', TIMED_OUT: 'error', ABORTED: 'warning' };

export function DrillStatus({ status }: { status: string }) {
  return <Badge tone={TONE[status] ?? 'unknown'}>{status.replace('_', ' ').toLowerCase()}</Badge>;
}

export function DrillTable({ drills, now, showCluster = false, empty }: { drills: TDrillView[]; now: Date; showCluster?: boolean; empty?: string }) {
  const columns: TDataColumn[] = [
    { label: 'Requested', sortable: true },
    ...(showCluster ? [{ label: 'Cluster', sortable: true }] : []),
    { label: 'Status', sortable: true },
    { label: 'Backup', sortable: true },
    { label: 'Restore time', sortable: true, numeric: true },
    { label: 'Duration', sortable: true, numeric: true },
    { label: 'Runner', sortable: true },
  ];
  return (
    <DataTable
      testId="drills"
      caption={<span className="sr-only">Restore drills, newest first</span>}
      columns={columns}
      rowHeader={false}
      empty={<p className="muted">{empty ?? 'No restore drill yet: until one succeeds, the backups are not proven restorable. Next: an operator runs one with “Run restore drill” on the cluster page.'}</p>}
      rows={drills.map((d) => ({
        key: d.id,
        sort: [d.createdAt, ...(showCluster ? [d.cluster] : []), d.status, d.backup.label, d.restoreSeconds, d.durationSeconds, d.runner],
        text: `${d.cluster} ${d.status} ${d.trigger} ${d.backup.label ?? 'newest'} ${d.runner ?? ''} ${d.error ?? ''}`,
        cells: [
          <span key="r">
            <Link href={`/drills/${d.id}`}>
              <TimeAgo date={d.createdAt} now={now} />
            </Link>{' '}
            <span className="muted small">({d.trigger})</span>
          </span>,
          ...(showCluster
            ? [
                <Link key="c" href={`/clusters/${encodeURIComponent(d.cluster)}`} className="mono">
                  {d.cluster}
                </Link>,
              ]
            : []),
          <DrillStatus key="s" status={d.status} />,
          <span key="b" className="mono small">
            {d.backup.label ?? 'newest'}
            {d.backup.sizeBytes !== null && <span className="muted"> · {formatBytes(d.backup.sizeBytes)}</span>}
            {d.targetTime && (
              <span className="muted">
                {' '}
                · to <TimeAgo date={d.targetTime} now={now} exact />
              </span>
            )}
          </span>,
          formatDuration(d.restoreSeconds),
          formatDuration(d.durationSeconds),
          <span key="x" className="small">{d.external ? `external: ${d.runner}` : (d.runner ?? '—')}</span>,
        ],
      }))}
    />
  );
}
