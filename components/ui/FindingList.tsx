import type { TFinding } from '@/lib/findings/types';
import { Badge } from './Badge';
import { fieldLabel } from '@/components/registry/spec-labels';

/** Findings (lint and live) as a table: severity, code, plain message, the field it concerns. */
export function FindingList({ findings, empty = 'No findings: the declaration is consistent.' }: { findings: TFinding[]; empty?: string }) {
  if (findings.length === 0) return <p className="notice ok">{empty}</p>;
  return (
    <table className="findings">
      <thead>
        <tr>
          <th scope="col">Severity</th>
          <th scope="col">Code</th>
          <th scope="col">What it means</th>
          <th scope="col">Field</th>
        </tr>
      </thead>
      <tbody>
        {findings.map((f, i) => (
          <tr key={`${f.code}-${f.field ?? ''}-${i}`}>
            <td>
              <Badge tone={f.severity}>{f.severity}</Badge>
            </td>
            <td>
              <code>{f.code}</code>
              {f.source === 'live' && <span className="muted small"> · live</span>}
            </td>
            <td>{f.message}</td>
            <td className="small">{f.field ? <span title={f.field}>{fieldLabel(f.field)}</span> : <span className="muted">—</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** error/warning/info counts as badges (zero counts hidden; all zero shows "none"). */
export function FindingCounts({ counts }: { counts: { error: number; warning: number; info: number } }) {
  const parts = (['error', 'warning', 'info'] as const).filter((k) => counts[k] > 0);
  if (parts.length === 0) return <Badge tone="ok">none</Badge>;
  return (
    <span className="row-tight">
      {parts.map((k) => (
        <Badge key={k} tone={k} title={`${counts[k]} ${k}${counts[k] === 1 ? '' : 's'}`}>
          {counts[k]} {k}
          {counts[k] === 1 ? '' : 's'}
        </Badge>
      ))}
    </span>
  );
}
