// Pure rules of the stored context answers (ContextReadModel.item and .detail): what the worker stores
// beside a context's live findings so that GET /api/v1/contexts reads one row per item and
// GET /api/v1/contexts/{slug} reads a stored version history and lint instead of re-diffing and
// re-linting per request; and how a read serves them. No I/O.
//
// A stored answer is served only while it is about what the request would compute: the context's
// current declaration version, its newest version (a proposal adds one without moving the current
// one) and the class catalog (the newest class change and the class count) it was linted against.
// Otherwise the read computes the answer as before (lib/registry/contexts.ts) until the worker
// stores the new one; a change of any of these is also a read-model change (the triggers), so the
// worker takes it first.
import { sortFindings, type TFinding } from '@/lib/findings/types';
import { countFindings, specOf, type TContextDetail, type TContextSummary, type TFindingCounts } from '@/lib/registry/contexts';
import { servedLiveFindings, type TFreshness } from './freshness';

/** What the stored answers were computed from (compared at read time, see above). */
export type TContextBasis = { version: number; versions: number; catalog: string };
/** ContextReadModel.item: the list item without what the rows themselves say (slug, name, team) and without freshness. */
export type TStoredContextItem = TContextBasis & Pick<TContextSummary, 'rpoClass' | 'rtoClass' | 'failover' | 'crossSite'> & { lint: TFindingCounts; live: TFindingCounts };
/** ContextReadModel.detail: the version history (newest first, with change counts) and the lint of the current declaration. */
export type TStoredContextDetail = TContextBasis & { history: Array<Omit<TContextDetail['history'][number], 'createdAt'> & { createdAt: string }>; lint: TFinding[] };

/** The catalog key a read compares: the newest class change and how many classes there are. */
export const catalogKey = (updatedAt: Date | null, count: number) => `${updatedAt ? updatedAt.toISOString() : '-'}|${count}`;

export function storedContextItem(basis: TContextBasis, spec: unknown, lint: TFinding[], live: TFinding[]): TStoredContextItem {
  const s = specOf(spec);
  return { ...basis, rpoClass: s?.rpoClass ?? null, rtoClass: s?.rtoClass ?? null, failover: s?.failover ?? null, crossSite: s?.crossSite ?? null, lint: countFindings(lint), live: countFindings(live) };
}

export function storedContextDetail(basis: TContextBasis, history: TContextDetail['history'], lint: TFinding[]): TStoredContextDetail {
  return { ...basis, history: history.map((h) => ({ ...h, createdAt: h.createdAt.toISOString() })), lint };
}

/** Whether a stored answer is about what the context is now (else the read computes it). */
export const storedIsCurrent = (stored: TContextBasis | null, now: TContextBasis) =>
  !!stored && stored.version === now.version && stored.versions === now.versions && stored.catalog === now.catalog;

type TContextRow = { slug: string; name: string; team: string; currentVersion: number };

/** A list item as served: the stored counts, plus the READ_MODEL_STALE error finding when stale (as servedLiveFindings adds it). */
export function servedContextItem(row: TContextRow, stored: TStoredContextItem, f: TFreshness): TContextSummary {
  const live = f.stale ? { ...stored.live, error: stored.live.error + 1 } : stored.live;
  return {
    slug: row.slug,
    name: row.name,
    team: row.team,
    currentVersion: row.currentVersion,
    rpoClass: stored.rpoClass,
    rtoClass: stored.rtoClass,
    failover: stored.failover,
    crossSite: stored.crossSite,
    findingCounts: { error: stored.lint.error + live.error, warning: stored.lint.warning + live.warning, info: stored.lint.info + live.info },
    computedAt: f.computedAt,
    stale: f.stale,
  };
}

/** The detail's history and findings as served: stored lint plus the stored live findings as served at `f`. */
export function servedContextDetail(stored: TStoredContextDetail, live: TFinding[], f: TFreshness): Pick<TContextDetail, 'history' | 'findings' | 'computedAt' | 'stale'> {
  return {
    history: stored.history.map((h) => ({ ...h, createdAt: new Date(h.createdAt) })),
    findings: sortFindings([...stored.lint, ...servedLiveFindings(live, f)]),
    computedAt: f.computedAt,
    stale: f.stale,
  };
}
