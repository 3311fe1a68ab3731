import diff from 'microdiff';

export type TSpecChange = { path: string; before: unknown; after: unknown };

/** Field-level changes between two declaration specs (dotted paths, e.g. "backup.retentionDays"). */
export function diffSpecs(before: unknown, after: unknown): TSpecChange[] {
  const a = (before ?? {}) as Record<string, unknown>;
  const b = (after ?? {}) as Record<string, unknown>;
  return diff(a, b).map((d) => ({
    path: d.path.map(String).join('.'),
    before: d.type === 'CREATE' ? undefined : d.oldValue,
    after: d.type === 'REMOVE' ? undefined : d.value,
  }));
}
