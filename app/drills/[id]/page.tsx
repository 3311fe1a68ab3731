import Link from 'next/link';
import { notFound } from 'next/navigation';
import { pageActor } from '@/lib/auth/session';
import { AppError } from '@/lib/base/errors';
import { getDrill } from '@/lib/drills/read-drills';
import { DrillSteps } from '@/components/drills/DrillSection';
import { DrillStatus } from '@/components/drills/DrillTable';
import { RefreshWhileActive } from '@/components/drills/RefreshWhileActive';
import { Badge } from '@/components/ui/Badge';
import { formatBytes, formatDateTime, formatDuration } from '@/components/lib/format';

export const dynamic = 'force-dynamic';

export default async function DrillPage({ params }: { params: Promise<{ id: string }> }) {
  const id = decodeURIComponent((await params).id);
  await pageActor('viewer', `/drills/${encodeURIComponent(id)}`);
  const d = await getDrill(id).catch((e) => {
    if (e instanceof AppError && e.status === 404) notFound();
    throw e;
  });
  return (
    <>
      <RefreshWhileActive active={d.status === 'QUEUED' || d.status === 'RUNNING'} />
      <p className="small">
        <Link href={`/clusters/${encodeURIComponent(d.cluster)}`}>← Cluster {d.cluster}</Link>
      </p>
      <h1>
        Restore drill of <span className="mono">{d.cluster}</span> <DrillStatus status={d.status} />
      </h1>
      <dl className="facts">
        <dt>Backup</dt>
        <dd className="mono">
          {d.backup.label ?? 'newest'} {d.backup.type && `(${d.backup.type}, ${formatBytes(d.backup.sizeBytes)})`}
          {d.backup.chain.length > 1 && ` · chain ${d.backup.chain.join(' → ')}`}
        </dd>
        {d.targetTime && (
          <>
            <dt>Point in time</dt>
            <dd>{formatDateTime(d.targetTime)}</dd>
          </>
        )}
        <dt>Restore time (until usable)</dt>
        <dd>{formatDuration(d.restoreSeconds)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(d.durationSeconds)}</dd>
        <dt>Runner</dt>
        <dd>{d.external ? `external: ${d.runner}` : (d.runner ?? '—')}</dd>
        <dt>Requested</dt>
        <dd>
          {formatDateTime(d.createdAt)} by {d.requestedBy} ({d.trigger})
        </dd>
      </dl>
      {d.error && (
        <p className="notice bad" role="alert">
          {d.error}
        </p>
      )}
      <h2>Checks</h2>
      {d.checks.length === 0 ? (
        <p className="muted">No checks recorded.</p>
      ) : (
        <ul>
          {d.checks.map((c) => (
            <li key={c.name}>
              <Badge tone={c.ok ? 'ok' : 'error'}>{c.ok ? 'ok' : 'failed'}</Badge> {c.name}: {c.detail}
            </li>
          ))}
        </ul>
      )}
      <h2>Steps</h2>
      {d.steps.length === 0 ? <p className="muted">Not started yet.</p> : <DrillSteps steps={d.steps} />}
    </>
  );
}
