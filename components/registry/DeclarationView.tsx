import type { ReactNode } from 'react';
import type { TDeclarationSpec } from '@/lib/registry/declaration-schema';
import { SPEC_LABELS } from './spec-labels';

const row = (key: string, value: ReactNode) => (
  <div key={key} className="kv-row">
    <dt>{SPEC_LABELS[key] ?? key}</dt>
    <dd>{value}</dd>
  </div>
);

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

/** The current declaration as readable key/value groups; the runbook as preformatted text. */
export function DeclarationView({ spec }: { spec: TDeclarationSpec }) {
  const s = spec;
  return (
    <div className="decl">
      <div className="grid">
        <section aria-labelledby="decl-targets">
          <h3 id="decl-targets">Targets and stance</h3>
          <dl className="kv">
            {row('rpoClass', <strong>{s.rpoClass}</strong>)}
            {row('rtoClass', <strong>{s.rtoClass}</strong>)}
            {row('crossSite', s.crossSite)}
            {row('failover', s.failover)}
            {row('approvalsRequired', s.approvalsRequired)}
            {row('dataOwnership', s.dataOwnership)}
          </dl>
        </section>
        <section aria-labelledby="decl-replication">
          <h3 id="decl-replication">Replication</h3>
          <dl className="kv">
            {row('replication.local', s.replication.local)}
            {row('replication.crossSite', s.replication.crossSite)}
            {row('acceptedCrossSiteDataLossSeconds', s.acceptedCrossSiteDataLossSeconds === undefined ? <span className="muted">not stated</span> : `${s.acceptedCrossSiteDataLossSeconds} s`)}
            {row('storage.durability', s.storage ? s.storage.durability : <span className="muted">not stated</span>)}
            {s.storage?.note ? row('storage.note', s.storage.note) : null}
          </dl>
        </section>
        <section aria-labelledby="decl-backup">
          <h3 id="decl-backup">Backup policy</h3>
          <dl className="kv">
            {row('backup.fullIntervalHours', `every ${s.backup.fullIntervalHours} h`)}
            {row('backup.pitr', yesNo(s.backup.pitr))}
            {row('backup.walArchiving', yesNo(s.backup.walArchiving))}
            {row('backup.retentionDays', `${s.backup.retentionDays} days`)}
            {row('backup.drillCadenceDays', s.backup.drillCadenceDays ? `every ${s.backup.drillCadenceDays} days` : <span className="muted">no drills scheduled</span>)}
          </dl>
        </section>
      </div>
      <h3>Promotion runbook</h3>
      {s.runbook.trim() ? <pre className="runbook">{s.runbook}</pre> : <p className="muted">No runbook written yet.</p>}
      {s.justification?.trim() ? (
        <>
          <h3>Justification</h3>
          <p className="prewrap">{s.justification}</p>
        </>
      ) : null}
    </div>
  );
}
