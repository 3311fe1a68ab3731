import type { ReactNode } from 'react';
import type { TDrillView } from '@/lib/drills/read-drills';
import { Badge } from '@/components/ui/Badge';
import { formatDuration } from '@/components/lib/format';
import { RefreshWhileActive } from './RefreshWhileActive';
import { DrillTable } from './DrillTable';

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
export function DrillSection({ drills, form, now = new Date() }: { drills: TDrillView[]; form: ReactNode | null; now?: Date }) {
  const active = drills.some((d) => d.status === 'QUEUED' || d.status === 'RUNNING');
  const latest = drills[0];
  return (
    <section className="card" aria-labelledby="drills-heading">
      <RefreshWhileActive active={active} />
      <h2 id="drills-heading">Restore drills</h2>
      {form}
      <DrillTable drills={drills} now={now} />
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
