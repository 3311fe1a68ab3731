// The strictest context decides: lowest RPO bound, most approvals, manual > operator-approved > automatic.
import type { TContextPolicy, TFailoverMode } from './types';

export interface TStrictestPolicy {
  /** Lowest numeric RPO bound among the contexts; null when none is set. */
  rpoBoundSeconds: number | null;
  /** Slug of the context with that bound (or the first unset one when no bound is set). */
  strictestContext: string | null;
  unsetBound: TContextPolicy[];
  failover: TFailoverMode | null;
  manual: TContextPolicy[];
  operatorApproved: TContextPolicy[];
  /** Highest approvalsRequired among the contexts (0 when there are none). */
  approvals: number;
}

const modeRank: Record<TFailoverMode, number> = { automatic: 0, 'operator-approved': 1, manual: 2 };

export function strictestPolicy(contexts: TContextPolicy[]): TStrictestPolicy {
  const bounded = contexts.filter((c) => c.rpoBoundSeconds !== null && Number.isFinite(c.rpoBoundSeconds));
  const tightest = [...bounded].sort((a, b) => a.rpoBoundSeconds! - b.rpoBoundSeconds! || a.slug.localeCompare(b.slug))[0];
  const unsetBound = contexts.filter((c) => !bounded.includes(c));
  const failover = contexts.reduce<TFailoverMode | null>(
    (acc, c) => (acc === null || modeRank[c.failover] > modeRank[acc] ? c.failover : acc),
    null,
  );
  return {
    rpoBoundSeconds: tightest?.rpoBoundSeconds ?? null,
    strictestContext: tightest?.slug ?? unsetBound[0]?.slug ?? null,
    unsetBound,
    failover,
    manual: contexts.filter((c) => c.failover === 'manual'),
    operatorApproved: contexts.filter((c) => c.failover === 'operator-approved'),
    approvals: contexts.reduce((acc, c) => Math.max(acc, c.approvalsRequired), 0),
  };
}
