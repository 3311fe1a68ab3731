'use client';
import { useId, useMemo, useState, type ReactNode } from 'react';

// The one table of the console: rows with cells already rendered (server or client), sortable by
// clicking a column's header button (aria-sort on the sorted column), narrowed by a text input
// labelled "Filter". Sorting and filtering use each row's `sort` values (one per column; null sorts
// last) and its `text` (default: the sort values joined), never the rendered cells.

export type TDataColumn = { label: ReactNode; /** plain name of the column (sort button's label when `label` is not text) */ name?: string; sortable?: boolean; numeric?: boolean };
export type TDataRow = {
  key: string;
  cells: ReactNode[];
  /** one value per column for sorting (null = none: last) */
  sort?: Array<string | number | null | undefined>;
  /** what the filter matches (default: the sort values) */
  text?: string;
  className?: string;
  /** data-* attributes of the row (e.g. data-testid, data-alert-key) */
  attrs?: Record<`data-${string}`, string>;
};

type TSort = { col: number; dir: 'ascending' | 'descending' } | null;

function compare(a: string | number | null | undefined, b: string | number | null | undefined): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

export function DataTable({
  columns,
  rows,
  caption,
  empty,
  filter = true,
  initialSort = null,
  rowHeader = true,
  className = '',
  testId,
}: {
  columns: TDataColumn[];
  rows: TDataRow[];
  caption?: ReactNode;
  /** shown instead of the table when there are no rows: say what to do next */
  empty: ReactNode;
  filter?: boolean;
  initialSort?: TSort;
  /** the first cell is the row's header (th scope=row) */
  rowHeader?: boolean;
  className?: string;
  testId?: string;
}) {
  const [sort, setSort] = useState<TSort>(initialSort);
  const [q, setQ] = useState('');
  const filterId = useId();
  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const kept = needle ? rows.filter((r) => (r.text ?? (r.sort ?? []).join(' ')).toLowerCase().includes(needle)) : rows;
    if (!sort) return kept;
    const sign = sort.dir === 'ascending' ? 1 : -1;
    return [...kept].sort((a, b) => {
      const x = a.sort?.[sort.col];
      const y = b.sort?.[sort.col];
      // missing values last in either direction
      if (x === null || x === undefined || y === null || y === undefined) return compare(x, y);
      return sign * compare(x, y);
    });
  }, [rows, q, sort]);
  if (!rows.length) return <div className="empty-state">{empty}</div>;
  const toggle = (col: number) => setSort((s) => (s?.col === col ? { col, dir: s.dir === 'ascending' ? 'descending' : 'ascending' } : { col, dir: 'ascending' }));
  return (
    <div className="data-table" data-testid={testId}>
      {filter && (
        <div className="table-filter">
          <label htmlFor={filterId}>Filter</label>
          <input id={filterId} type="search" value={q} onChange={(e) => setQ(e.target.value)} autoComplete="off" />
          <span className="muted small" aria-live="polite">
            {shown.length === rows.length ? `${rows.length} row${rows.length === 1 ? '' : 's'}` : `${shown.length} of ${rows.length} rows`}
          </span>
        </div>
      )}
      <div className="table-scroll">
        <table className={className}>
          {caption && <caption>{caption}</caption>}
          <thead>
            <tr>
              {columns.map((c, i) => (
                <th key={i} scope="col" className={c.numeric ? 'num' : undefined} aria-sort={sort?.col === i ? sort.dir : c.sortable ? 'none' : undefined}>
                  {c.sortable ? (
                    <button type="button" className="sort-button" onClick={() => toggle(i)} aria-label={c.name ? `Sort by ${c.name}` : undefined}>
                      {c.label}
                      <span aria-hidden className="sort-mark">
                        {sort?.col === i ? (sort.dir === 'ascending' ? ' ▲' : ' ▼') : ' ↕'}
                      </span>
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.length === 0 ? (
              <tr>
                <td colSpan={columns.length} className="muted">
                  No row matches “{q}”. Clear the filter to see all {rows.length}.
                </td>
              </tr>
            ) : (
              shown.map((r) => (
                <tr key={r.key} className={r.className} {...r.attrs}>
                  {r.cells.map((cell, i) =>
                    i === 0 && rowHeader ? (
                      <th key={i} scope="row">
                        {cell}
                      </th>
                    ) : (
                      <td key={i} className={columns[i]?.numeric ? 'num' : undefined}>
                        {cell}
                      </td>
                    ),
                  )}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
