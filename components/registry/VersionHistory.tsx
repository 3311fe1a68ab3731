import type { TDeclarationVersion } from '@/lib/registry/contexts';
import { TimeAgo } from '@/components/ui/TimeAgo';
import { SpecDiff } from './SpecDiff';

/** Versions newest first: author, time, reason, and (collapsed) what changed from the previous version. */
export function VersionHistory({ versions, currentVersion, now, openLatest = false }: { slug: string; versions: TDeclarationVersion[]; currentVersion: number; now: Date; openLatest?: boolean }) {
  if (versions.length === 0) return <p className="muted">No versions yet.</p>;
  return (
    <ol className="versions" aria-label="Declaration versions, newest first">
      {versions.map((v, i) => {
        const first = v.version === versions[versions.length - 1].version && v.version === 1;
        return (
          <li key={v.version} className="version">
            <div className="spread">
              <div>
                <strong>Version {v.version}</strong>
                {v.version === currentVersion && (
                  <>
                    {' '}
                    <span className="badge info">current</span>
                  </>
                )}
                {v.status !== 'accepted' && (
                  <>
                    {' '}
                    <span className={`badge ${v.status === 'rejected' ? 'error' : v.status === 'proposed' ? 'warn' : 'muted'}`} data-testid={`status-${v.version}`}>
                      {v.status}
                    </span>
                  </>
                )}{' '}
                <span className="muted">
                  by {v.authorLabel}, <TimeAgo date={v.createdAt} now={now} />
                </span>
              </div>
              <span className="muted small">
                {first ? 'first version' : `${v.diff.length} field${v.diff.length === 1 ? '' : 's'} changed`}
              </span>
            </div>
            <p className="flush">{v.reason ? v.reason : <span className="muted">No reason given.</span>}</p>
            {v.decisionReason && (
              <p className="flush small">
                {v.status} by {v.decidedByLabel}: {v.decisionReason}
              </p>
            )}
            {!first && (
              <details open={openLatest && i === 0}>
                <summary>
                  Changes from version {v.version - 1} to {v.version}
                </summary>
                <SpecDiff changes={v.diff} />
              </details>
            )}
          </li>
        );
      })}
    </ol>
  );
}
