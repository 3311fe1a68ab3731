// The class catalog as lint and live checks read it: class name -> numeric bound. Pure.

/** Class name -> numeric bound in seconds (null = the admins have not chosen the number yet). */
export type TClassCatalog = { rpo: Map<string, number | null>; rto: Map<string, number | null> };

/** Build a catalog from class rows (what listClasses returns). */
export function classCatalogFrom(rows: readonly { kind: 'RPO' | 'RTO'; name: string; boundSeconds: number | null }[]): TClassCatalog {
  const c: TClassCatalog = { rpo: new Map(), rto: new Map() };
  for (const r of rows) (r.kind === 'RPO' ? c.rpo : c.rto).set(r.name, r.boundSeconds);
  return c;
}
