import Link from 'next/link';
import type { TAnswer, TClusterReadiness } from '@/lib/readiness/readiness';
import { formatBytes, formatDuration } from '@/components/lib/format';
import { StatusBadge } from './StatusBadge';

// The seven answers of one cluster holding the context (server component; lib/readiness/readiness.ts).

const SCENARIO: Record<string, string> = { node: 'Node loss', site: 'Site loss', region: 'Region loss', logical: 'Logical corruption' };

function Answer({ n, title, a, children }: { n: number; title: string; a: TAnswer; children?: React.ReactNode }) {
  return (
    <section className="card" data-testid={`answer-${n}`} aria-label={title}>
      <div className="spread">
        <h3 className="flush">
          {n}. {title}
        </h3>
        <StatusBadge status={a.status} />
      </div>
      <p>{a.summary}</p>
      {children}
      <p className="muted small flush">Source: {a.source}</p>
    </section>
  );
}

export function ClusterReadiness({ r }: { r: TClusterReadiness }) {
  const t = r.trust;
  return (
    <section aria-label={`Readiness on ${r.cluster}`} data-testid={`readiness-${r.cluster}`}>
      <h2>
        On cluster <Link href={`/clusters/${encodeURIComponent(r.cluster)}`}>{r.cluster}</Link> · <Link href={`/clusters/${encodeURIComponent(r.cluster)}/backups`}>backups</Link>
      </h2>
      {!r.pgbackrest && (
        <p role="status" className="notice warn" data-testid="no-pgbackrest">
          No agent of {r.cluster} has pgBackRest configured (set VAKT_AGENT_PGBACKREST_STANZA on the agents): Vakt sees no backup, so nothing below about backups is known.
        </p>
      )}
      {t.trusted ? (
        <p className="notice ok" data-testid="trust">
          <strong>Trusted.</strong> {t.message}
        </p>
      ) : (
        <div role="alert" className={`notice ${t.reason === 'drill-failed' || t.reason === 'no-backup' ? 'bad' : 'warn'}`} data-testid="trust">
          <strong>Untrusted backup.</strong> {t.message}
          {t.fix && <p className="flush">How to fix: {t.fix}</p>}
        </div>
      )}
      <div className="grid">
        <Answer n={1} title="What backup exists" a={r.backup}>
          {r.backup.newest && (
            <dl className="kv small">
              <dt>restore uses</dt>
              <dd className="mono">{r.backup.newest.label}</dd>
              <dt>chain</dt>
              <dd className="mono">{r.backup.chain.join(' → ')}</dd>
              <dt>size</dt>
              <dd>{formatBytes(r.backup.newest.sizeBytes)}</dd>
              <dt>repository</dt>
              <dd>{r.backup.repository ? `${r.backup.repository.code === 0 ? 'ok' : `code ${r.backup.repository.code}`}: ${r.backup.repository.error ?? r.backup.repository.message}` : '—'}</dd>
            </dl>
          )}
        </Answer>
        <Answer n={2} title="How recent" a={r.recency}>
          {r.recency.pitrWindow.startAt && (
            <p className="small">
              PITR window: {r.recency.pitrWindow.startAt} → {r.recency.pitrWindow.endAt}
            </p>
          )}
        </Answer>
        <Answer n={3} title="How to restore" a={r.restore}>
          <details open>
            <summary>Runbook</summary>
            <p className="prewrap runbook">{r.restore.runbook || '(no runbook declared)'}</p>
          </details>
          {r.restore.commands.latest && (
            <>
              <p className="small flush">Latest backup ({r.restore.commands.where}):</p>
              <pre className="mono" data-testid="restore-latest">{r.restore.commands.latest}</pre>
            </>
          )}
          {r.restore.commands.pointInTime && (
            <>
              <p className="small flush">To a point in time (pick a moment before the damage inside the PITR window; the newest is shown):</p>
              <pre className="mono" data-testid="restore-pitr">{r.restore.commands.pointInTime}</pre>
            </>
          )}
        </Answer>
        <Answer n={4} title="How long it takes" a={r.restoreTime}>
          <p className="small" data-testid="restore-estimate">
            Expected: {formatDuration(r.restoreTime.estimate.seconds, 'unknown')} · RTO bound: {r.restoreTime.rtoBoundSeconds === null ? 'unset' : formatDuration(r.restoreTime.rtoBoundSeconds)}
          </p>
        </Answer>
        <Answer n={5} title="What data is lost" a={r.dataLoss}>
          <table className="small">
            <thead>
              <tr>
                <th scope="col">scenario</th>
                <th scope="col">loss</th>
                <th scope="col">within RPO</th>
                <th scope="col">basis</th>
              </tr>
            </thead>
            <tbody>
              {r.dataLoss.scenarios.map((s) => (
                <tr key={s.scenario} data-testid={`scenario-${s.scenario}`}>
                  <th scope="row">{SCENARIO[s.scenario]}</th>
                  <td>{s.seconds === null ? (s.via === 'none' ? 'everything' : 'unknown') : `${s.seconds} s`}{s.bytes !== null ? ` / ${formatBytes(s.bytes)}` : ''}</td>
                  <td>{s.withinRpo === null ? '—' : s.withinRpo ? 'yes' : 'no'}</td>
                  <td>{s.basis}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Answer>
        <Answer n={6} title="Stricter or weaker contexts" a={r.comparison}>
          {r.comparison.contexts.length > 0 && (
            <ul className="small">
              {r.comparison.contexts.map((o) => (
                <li key={o.slug}>
                  <Link href={`/contexts/${o.slug}/readiness`}>{o.slug}</Link>: {o.rpoClass || 'no declaration'} — {o.relation === 'unknown' ? 'not comparable' : o.relation === 'same' ? 'the same bound' : `${o.relation} than this context`}
                </li>
              ))}
            </ul>
          )}
        </Answer>
        <Answer n={7} title="Cross-site promotion" a={r.crossSite} />
      </div>
    </section>
  );
}
