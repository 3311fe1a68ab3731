// Pure rules of the list reads (GET /api/v1/clusters, GET /api/v1/contexts; docs/api.md "Lists"): the
// compact list item the worker stores beside a cluster's view, the query parameters (page size,
// cursor, filters) and the opaque cursor. No I/O.
import { z } from 'zod';
import type { TClusterMemberView, TClusterView } from '@/lib/registry/read-clusters';

/** A member as a list shows it (no agent URLs, errors, LSNs, storage or backups: those are on GET /clusters/{name}). */
export type TClusterListMember = Pick<TClusterMemberView, 'name' | 'site' | 'role' | 'status' | 'reachable' | 'timeline' | 'lagBytes' | 'lagSeconds' | 'syncState' | 'fenced' | 'observedAt' | 'ageSeconds' | 'stale'>;
/** One cluster in GET /api/v1/clusters: `ageSeconds`/`stale` of members and the cluster's freshness are added at read time. */
export type TClusterListItem = Pick<TClusterView, 'name' | 'kind' | 'epoch' | 'state' | 'paused'> & {
  contexts: string[];
  members: TClusterListMember[];
  computedAt: string | null;
  stale: boolean;
};
/** What the worker stores (ClusterReadModel.item): the list item without what time alone changes. */
export type TStoredClusterItem = Omit<TClusterListItem, 'computedAt' | 'stale' | 'members'> & { members: Array<Omit<TClusterListMember, 'ageSeconds' | 'stale'>> };

export function storedClusterItem(v: TClusterView): TStoredClusterItem {
  return {
    name: v.name,
    kind: v.kind,
    epoch: v.epoch,
    state: v.state,
    paused: v.paused,
    contexts: v.contexts.map((c) => c.slug),
    members: v.members.map((m) => ({
      name: m.name,
      site: m.site,
      role: m.role,
      status: m.status,
      reachable: m.reachable,
      timeline: m.timeline,
      lagBytes: m.lagBytes,
      lagSeconds: m.lagSeconds,
      syncState: m.syncState,
      fenced: m.fenced,
      observedAt: m.observedAt,
    })),
  };
}

/** A served view (state, ages and freshness already as read) as its list item. */
export function clusterListItem(v: TClusterView): TClusterListItem {
  const s = storedClusterItem(v);
  return { ...s, members: s.members.map((m, i) => ({ ...m, ageSeconds: v.members[i].ageSeconds, stale: v.members[i].stale })), computedAt: v.computedAt ?? null, stale: v.stale ?? true };
}

/** The lists' default page size; also the fleet page's (server render and "Show more": defined here, since a server import of a constant from a client component is a client reference) */
export const LIST_DEFAULT_LIMIT = 50;
const LIST_MAX_LIMIT = 200;
export const CLUSTER_STATES = ['SPLIT_BRAIN', 'PRIMARY_DOWN', 'DEGRADED', 'UNKNOWN', 'HEALTHY'] as const;
/** split-brain > primary down > degraded > unknown > healthy (`?sort=worst`) */
export const STATE_RANK: Record<(typeof CLUSTER_STATES)[number], number> = { SPLIT_BRAIN: 0, PRIMARY_DOWN: 1, DEGRADED: 2, UNKNOWN: 3, HEALTHY: 4 };

/** Where a page ends: the sort it belongs to and the last row's key (rank = the state rank under `worst`). */
export type TCursor = { sort: 'name' | 'worst'; after: string; rank?: number };

export function encodeCursor(c: TCursor): string {
  return Buffer.from(JSON.stringify(c.sort === 'worst' ? [c.sort, c.after, c.rank] : [c.sort, c.after])).toString('base64url');
}

/** The cursor a `next` carried, or null when it is not one of ours. */
export function decodeCursor(s: string): TCursor | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || typeof v[1] !== 'string') return null;
    if (v[0] === 'name' && v.length === 2) return { sort: 'name', after: v[1] };
    if (v[0] === 'worst' && v.length === 3 && Number.isInteger(v[2]) && v[2] >= 0 && v[2] <= 9) return { sort: 'worst', after: v[1], rank: v[2] as number };
    return null;
  } catch {
    return null;
  }
}

const ZLimit = z.coerce.number({ error: `a whole number, 1 to ${LIST_MAX_LIMIT}` }).int(`a whole number, 1 to ${LIST_MAX_LIMIT}`).min(1, `a whole number, 1 to ${LIST_MAX_LIMIT}`).max(LIST_MAX_LIMIT, `a whole number, 1 to ${LIST_MAX_LIMIT}`).default(LIST_DEFAULT_LIMIT);
const ZCursor = z.string().transform((s, ctx) => {
  const c = decodeCursor(s);
  if (!c) {
    ctx.addIssue({ code: 'custom', message: 'not a cursor this list gave (pass `next` of the previous page unchanged)' });
    return z.NEVER;
  }
  return c;
});
const ZText = z.string().trim().min(1, 'empty').max(200, 'at most 200 characters');

/** GET /api/v1/clusters query. */
export const ZClusterListQuery = z
  .strictObject({
    limit: ZLimit,
    cursor: ZCursor.optional(),
    sort: z.enum(['name', 'worst'], { error: 'name or worst' }).default('name'),
    state: z
      .string()
      .transform((s) => s.split(',').map((x) => x.trim().toUpperCase()))
      .pipe(z.array(z.enum(CLUSTER_STATES, { error: `one or more of ${CLUSTER_STATES.join(', ')} (comma-separated)` })))
      .optional(),
    site: ZText.optional(),
    q: ZText.optional(),
    summary: z.enum(['true', 'false', '1', '0'], { error: 'true or false' }).transform((s) => s === 'true' || s === '1').optional(),
  })
  .superRefine((v, ctx) => {
    if (v.cursor && v.cursor.sort !== v.sort) ctx.addIssue({ code: 'custom', path: ['cursor'], message: `this cursor belongs to sort=${v.cursor.sort}` });
  });
export type TClusterListQuery = z.output<typeof ZClusterListQuery>;

/** GET /api/v1/contexts query. */
export const ZContextListQuery = z.strictObject({ limit: ZLimit, cursor: ZCursor.optional(), team: ZText.optional(), q: ZText.optional() }).superRefine((v, ctx) => {
  if (v.cursor && v.cursor.sort !== 'name') ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'this cursor belongs to another list' });
});
export type TContextListQuery = z.output<typeof ZContextListQuery>;

/** `%q%` for ILIKE, with the pattern characters of q taken literally. */
export const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
