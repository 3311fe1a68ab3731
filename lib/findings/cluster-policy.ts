// The policy of a shared cluster (issue 16 item 2, docs/findings.md "Shared clusters"): what differs
// between the contexts one cluster holds, and the effective policy the cluster must meet — the
// strictest of each, and which contexts force it. Pure: no clock, no I/O.

/** What a context declares that one cluster's failover and replication must honour. */
export type TPolicyContext = {
  slug: string;
  rpoClass: string;
  /** null = the class has no numeric bound yet */
  rpoBoundSeconds: number | null;
  rtoClass: string;
  rtoBoundSeconds: number | null;
  failover: 'automatic' | 'operator-approved' | 'manual';
  crossSite: 'required' | 'optional' | 'not-assumed';
  approvalsRequired: 1 | 2;
};
export type TPolicyField = 'rpoClass' | 'rtoClass' | 'failover' | 'crossSite' | 'approvalsRequired';
export const POLICY_FIELDS: readonly TPolicyField[] = ['rpoClass', 'rtoClass', 'failover', 'crossSite', 'approvalsRequired'];

/** One effective value: the strictest, and the contexts that declare it (the ones forcing it). */
type TForced<V> = { value: V; forcedBy: string[] };
export type TClusterPolicy = {
  contexts: TPolicyContext[];
  /** the fields on which the contexts do not all agree */
  differs: TPolicyField[];
  effective: {
    /** the lowest bound (classes without a bound cannot be compared: listed in `unbounded`) */
    rpo: TForced<string | null> & { boundSeconds: number | null; unbounded: string[] };
    rto: TForced<string | null> & { boundSeconds: number | null; unbounded: string[] };
    /** manual > operator-approved > automatic */
    failover: TForced<TPolicyContext['failover']>;
    /** 2 > 1 */
    approvalsRequired: TForced<1 | 2>;
    /** whether a cross-site replica must exist: required > optional > not-assumed */
    crossSiteReplica: TForced<TPolicyContext['crossSite']>;
    /** whether a promotion may cross sites: not-assumed > optional > required */
    crossSitePromotion: TForced<TPolicyContext['crossSite']>;
  };
};

const FAILOVER_RANK = { automatic: 0, 'operator-approved': 1, manual: 2 } as const;
const REPLICA_RANK = { 'not-assumed': 0, optional: 1, required: 2 } as const;
const PROMOTION_RANK = { required: 0, optional: 1, 'not-assumed': 2 } as const;

/** The fields on which `other` declares something else than `self` (in POLICY_FIELDS order). */
export function policyDifferences(self: Partial<TPolicyContext>, other: Partial<TPolicyContext>): TPolicyField[] {
  return POLICY_FIELDS.filter((f) => self[f] !== undefined && other[f] !== undefined && self[f] !== other[f]);
}

function strictest<V>(contexts: TPolicyContext[], valueOf: (c: TPolicyContext) => V, rank: (v: V) => number): TForced<V> {
  const top = Math.max(...contexts.map((c) => rank(valueOf(c))));
  const forcing = contexts.filter((c) => rank(valueOf(c)) === top);
  return { value: valueOf(forcing[0]), forcedBy: forcing.map((c) => c.slug) };
}

function lowestBound(contexts: TPolicyContext[], cls: (c: TPolicyContext) => string, bound: (c: TPolicyContext) => number | null) {
  const unbounded = contexts.filter((c) => bound(c) === null).map((c) => c.slug);
  const bounded = contexts.filter((c) => bound(c) !== null);
  if (!bounded.length) return { value: null, boundSeconds: null, forcedBy: [], unbounded };
  const low = Math.min(...bounded.map((c) => bound(c)!));
  const forcing = bounded.filter((c) => bound(c) === low);
  return { value: cls(forcing[0]), boundSeconds: low, forcedBy: forcing.map((c) => c.slug), unbounded };
}

/** The policy of a cluster holding `contexts` (sorted by slug); null when it holds none with a declaration. */
export function clusterPolicy(contexts: readonly TPolicyContext[]): TClusterPolicy | null {
  if (!contexts.length) return null;
  const list = [...contexts].map((c) => ({ slug: c.slug, rpoClass: c.rpoClass, rpoBoundSeconds: c.rpoBoundSeconds, rtoClass: c.rtoClass, rtoBoundSeconds: c.rtoBoundSeconds, failover: c.failover, crossSite: c.crossSite, approvalsRequired: c.approvalsRequired }));
  list.sort((a, b) => a.slug.localeCompare(b.slug));
  return {
    contexts: list,
    differs: POLICY_FIELDS.filter((f) => new Set(list.map((c) => c[f])).size > 1),
    effective: {
      rpo: lowestBound(list, (c) => c.rpoClass, (c) => c.rpoBoundSeconds),
      rto: lowestBound(list, (c) => c.rtoClass, (c) => c.rtoBoundSeconds),
      failover: strictest(list, (c) => c.failover, (v) => FAILOVER_RANK[v]),
      approvalsRequired: strictest(list, (c) => c.approvalsRequired, (v) => v),
      crossSiteReplica: strictest(list, (c) => c.crossSite, (v) => REPLICA_RANK[v]),
      crossSitePromotion: strictest(list, (c) => c.crossSite, (v) => PROMOTION_RANK[v]),
    },
  };
}
