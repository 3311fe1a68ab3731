import Link from 'next/link';
import { notFound } from 'next/navigation';
import { pageActor } from '@/lib/auth/session';
import { AppError } from '@/lib/base/errors';
import { readClusterBackups } from '@/lib/readiness/read-cluster-backups';
import { Badge } from '@/components/ui/Badge';
import { TimeAgo } from '@/components/ui/TimeAgo';
import { formatBytes } from '@/components/lib/format';

export const dynamic = 'force-dynamic';

export async function generateMetadata({ params }: { params: Promise<{ name: string }> }) {
  return { title: `Backups · ${decodeURIComponent((await params).name)} · Vakt` };
}

export default async function BackupsPage({ params }: { params: Promise<{ name: string }> }) {
  const name = decodeURIComponent((await params).name);
  await pageActor('viewer', `/clusters/${encodeURIComponent(name)}/backups`);
  const b = await readClusterBackups(name).catch((e) => {
    if (e instanceof AppError && e.status === 404) notFound();
    throw e;
  });
  const now = new Date();
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
      <div className="table-wrap">
        <table data-testid="backups">
          <thead>
            <tr>
              <th scope="col">label</th>
              <th scope="col">type</th>
              <th scope="col">started</th>
              <th scope="col">stopped</th>
              <th scope="col">size</th>
              <th scope="col">WAL</th>
              <th scope="col">errors</th>
              <th scope="col">chain</th>
            </tr>
          </thead>
          <tbody>
            {b.backups.map((x) => (
              <tr key={x.label} data-testid={`backup-${x.label}`}>
                <th scope="row" className="mono">
                  {x.label}
                  {b.restoreUses === x.label ? ' (restore uses)' : ''}
                </th>
                <td>{x.type}</td>
                <td>{x.startedAt ? <TimeAgo date={new Date(x.startedAt)} now={now} exact /> : '—'}</td>
                <td>
                  <TimeAgo date={new Date(x.stoppedAt)} now={now} exact />
                </td>
                <td>{formatBytes(x.sizeBytes)}</td>
                <td className="mono small">
                  {x.walStart ?? '—'} … {x.walStop ?? '—'}
                </td>
                <td>{x.error ? <Badge tone="error">page errors</Badge> : 'none'}</td>
                <td className="mono small">{x.chain.join(' → ')}</td>
              </tr>
            ))}
            {b.backups.length === 0 && (
              <tr>
                <td colSpan={8} className="muted">
                  No backup in the repository.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </>
  );
}
