import type { TSpecChange } from '@/lib/registry/diff-declarations';
import { fieldLabel, formatValue } from './spec-labels';

/** Field-by-field changes between two versions: field, before (struck), after (highlighted). */
export function SpecDiff({ changes, first = false }: { changes: TSpecChange[]; first?: boolean }) {
  if (changes.length === 0) return <p className="muted">No field changed.</p>;
  if (first) return <p className="muted small">First version: every field was set ({changes.length} fields).</p>;
  return (
    <table className="diff">
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((c) => (
          <tr key={c.path}>
            <th scope="row" title={c.path}>
              {fieldLabel(c.path)}
            </th>
            <td>{c.before === undefined ? <span className="muted">(not set)</span> : <span className="diff-del">{formatValue(c.before)}</span>}</td>
            <td>{c.after === undefined ? <span className="muted">(removed)</span> : <span className="diff-add">{formatValue(c.after)}</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
