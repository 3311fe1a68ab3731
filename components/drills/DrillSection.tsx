import Link from 'next/link';
import type { ReactNode } from 'react';
import type { TDrillView } from '@/lib/drills/read-drills';
import { Badge, type TBadgeTone } from '@/components/ui/Badge';
import { formatBytes, formatDateTime, formatDuration } from '@/components/lib/format';
import { RefreshWhileActive } from './RefreshWhileActive';

const TONE: Record<string, TBadgeTone> = { QUEUED: 'info', RUNNING: 'info', SUCCEEDED: 'ok', FAILED: 'error', TIMED_OUT: 'error', ABORTED: 'warning' };

export function DrillStatus({ status }: { status: string }) {
  return <Badge tone={TONE[status] ?? 'unknown'}>{status.replace('_', ' ').toLowerCase()}</Badge>;
}

export function DrillSteps({ steps }: { steps: TDrillView['steps'] }) {
  return (
    <table className="small">
      <caption className="sr-only">Steps</caption>
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">Status</th>
          <th scope="col">Duration</th>
          <th scope="col">Output</th>
        </tr>
      </thead>
      <tbody>
        {steps.map((s) => (
          <tr key={s.name}>
            <td>{s.name}</td>
            <td>
              <Badge tone={s.status === 'ok' ? 'ok' : s.status === 'failed' ? 'error' : 'info'}>{s.status}</Badge>
            </td>
            <td>{s.durationMs === null ? '—' : formatDuration(s.durationMs / 1000)}</td>
            <td>
              <pre className="small">{s.output ?? ''}</pre>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A cluster's restore drills (newest first) and, for operators, the form that runs one. */
export function DrillSection({ drills, form }: { drills: TDrillView[]; form: ReactNode | null }) {
  const active = drills.some((d) => d.status === 'QUEUED' || d.status === 'RUNNING');
  const latest = drills[0];
  return (
    <section className="card" aria-labelledby="drills-heading">
      <RefreshWhileActive active={active} />
      <h2 id="drills-heading">Restore drills</h2>
      {form}
      {drills.length === 0 ? (
        <p className="muted">No restore drill yet: until one succeeds, the backups are not proven restorable.</p>
      ) : (
        <table data-testid="drills">
          <caption className="sr-only">Restore drills, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Requested</th>
              <th scope="col">Status</th>
              <th scope="col">Backup</th>
              <th scope="col">Restore time</th>
              <th scope="col">Duration</th>
              <th scope="col">Runner</th>
            </tr>
          </thead>
          <tbody>
            {drills.map((d) => (
              <tr key={d.id}>
                <td>
                  <Link href={`/drills/${d.id}`}>{formatDateTime(d.createdAt)}</Link> <span className="muted small">({d.trigger})</span>
                </td>
                <td>
                  <DrillStatus status={d.status} />
                </td>
                <td className="mono small">
                  {d.backup.label ?? 'newest'}
                  {d.backup.sizeBytes !== null && <span className="muted"> · {formatBytes(d.backup.sizeBytes)}</span>}
                  {d.targetTime && <span className="muted"> · to {formatDateTime(d.targetTime)}</span>}
                </td>
                <td>{formatDuration(d.restoreSeconds)}</td>
                <td>{formatDuration(d.durationSeconds)}</td>
                <td className="small">{d.external ? `external: ${d.runner}` : (d.runner ?? '—')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {latest && latest.steps.length > 0 && (
        <details>
          <summary>Steps of the latest drill</summary>
          {latest.error && <p className="notice bad">{latest.error}</p>}
          <DrillSteps steps={latest.steps} />
        </details>
      )}
    </section>
  );
}
