import Link from 'next/link';
import { notFound } from 'next/navigation';
import { pageActor } from '@/lib/auth/session';
import { AppError } from '@/lib/base/errors';
import { readClusterBackups } from '@/lib/readiness/read-cluster-backups';
import { Badge } from '@/components/ui/Badge';
import { TimeAgo } from '@/components/ui/TimeAgo';
import { formatBytes } from '@/components/lib/format';
import { DataTable } from '@/components/ui/DataTable';
import { BackupCharts } from '@/components/readiness/BackupCharts';
import { readClusterBounds } from '@/lib/readmodel/cluster-bounds';
import { listDrills } from '@/lib/drills/read-drills';
import { dbNow } from '@/lib/base/db';

export const dynamic = 'force-dynamic';
/** an instant as ISO text (null when missing or unparsable) */
const at = (t: string | number | Date | null | undefined): string | null => {
  if (t === null || t === undefined) return null;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
};

export async function generateMetadata({ params }: { params: Promise<{ name: string }> }) {
  return { title: `Backups · ${decodeURIComponent((await params).name)} · Vakt` };
}

export default async function BackupsPage({ params }: { params: Promise<{ name: string }> }) {
  const name = decodeURIComponent((await params).name);
  await pageActor('viewer', `/clusters/${encodeURIComponent(name)}/backups`);
  const [b, bounds, drills, now] = await Promise.all([
    readClusterBackups(name).catch((e) => {
      if (e instanceof AppError && e.status === 404) notFound();
      throw e;
    }),
    readClusterBounds(name),
    listDrills({ cluster: name, limit: 30 }).catch(() => []),
    dbNow(),
  ]);
  const reporting = b.members.filter((m) => m.reportsCatalog);
  return (
    <>
      <p className="small">
        <Link href={`/clusters/${encodeURIComponent(name)}`}>← {name}</Link>
      </p>
      <h1>
        Backups of <span className="mono">{name}</span>
      </h1>
      {reporting.length === 0 ? (
        <p role="status" className="notice warn" data-testid="no-catalog">
          No agent of {name} reports a pgBackRest catalog (pgBackRest is not configured on the agents: VAKT_AGENT_PGBACKREST_STANZA).
        </p>
      ) : (
        <dl className="kv" data-testid="repository">
          <dt>stanza</dt>
          <dd className="mono">{b.stanza ?? '—'}</dd>
          <dt>repository</dt>
          <dd>
            <Badge tone={b.repository && b.repository.code === 0 && !b.repository.error ? 'ok' : 'error'}>{b.repository ? (b.repository.code === 0 && !b.repository.error ? 'ok' : `code ${b.repository.code}`) : '—'}</Badge>{' '}
            {b.repository?.error ?? b.repository?.message}
          </dd>
          <dt>repository site</dt>
          <dd>{b.repositorySite ?? 'not declared (an admin sets backupRepositorySite)'}</dd>
          <dt>backup running</dt>
          <dd data-testid="backup-running">{b.backupRunning === null ? 'unknown' : b.backupRunning ? 'yes' : 'no'}</dd>
          <dt>PITR window</dt>
          <dd data-testid="pitr-window">{b.pitr.gap ? <span className="bad-text">broken: {b.pitr.gap}</span> : b.pitr.startAt ? `${b.pitr.startAt} → ${b.pitr.endAt} (from the end of ${b.pitr.fromBackup})` : 'none'}</dd>
          <dt>archive</dt>
          <dd className="mono small">{b.archives.map((a) => `${a.id}: ${a.min ?? '—'} … ${a.max ?? '—'}`).join('; ') || '—'}</dd>
          <dt>reported by</dt>
          <dd>
            {reporting.map((m, i) => (
              <span key={m.name}>
                {i > 0 && ', '}
                {m.name} (<TimeAgo date={m.observedAt} now={now} />
                {m.stale ? ', stale' : ''})
              </span>
            ))}
          </dd>
        </dl>
      )}
      <p className="muted small">pgBackRest does not list aborted backups: a failed backup run shows only as the expected backup not appearing within the interval.</p>
      <DataTable
        testId="backups"
        caption={<span className="sr-only">Backups, newest first</span>}
        columns={[{ label: 'label', sortable: true }, { label: 'type', sortable: true }, { label: 'started', sortable: true }, { label: 'stopped', sortable: true }, { label: 'size', sortable: true, numeric: true }, { label: 'WAL' }, { label: 'errors', sortable: true }, { label: 'chain' }]}
        empty={<p className="muted">No backup in the repository. Next: run a full backup with pgBackRest on the cluster (the agents report the catalog on their next poll).</p>}
        rows={b.backups.map((x) => ({
          key: x.label,
          attrs: { 'data-testid': `backup-${x.label}` },
          sort: [x.label, x.type, at(x.startedAt), at(x.stoppedAt), x.sizeBytes, null, x.error ? 1 : 0, null],
          text: `${x.label} ${x.type} ${x.chain.join(' ')}${x.error ? ' page errors' : ''}`,
          cells: [
            <span key="l" className="mono">
              {x.label}
              {b.restoreUses === x.label ? ' (restore uses)' : ''}
            </span>,
            x.type,
            x.startedAt ? <TimeAgo key="s" date={new Date(x.startedAt)} now={now} exact /> : '—',
            <TimeAgo key="e" date={new Date(x.stoppedAt)} now={now} exact />,
            formatBytes(x.sizeBytes),
            <span key="w" className="mono small">
              {x.walStart ?? '—'} … {x.walStop ?? '—'}
            </span>,
            x.error ? <Badge key="x" tone="error">page errors</Badge> : 'none',
            <span key="c" className="mono small">{x.chain.join(' → ')}</span>,
          ],
        }))}
      />
      <h2>Backup age and restore times</h2>
      <BackupCharts stoppedAt={b.backups.map((x) => at(x.stoppedAt)).filter((t) => t !== null)} nowMs={now.getTime()} fullIntervalHours={bounds.fullIntervalHours} rtoBoundSeconds={bounds.rtoBoundSeconds} drills={drills.filter((d) => d.status === 'SUCCEEDED').map((d) => ({ id: d.id, createdAt: d.createdAt, restoreSeconds: d.restoreSeconds }))} />
    </>
  );
}
