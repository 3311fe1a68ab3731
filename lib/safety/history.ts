// The cluster history the verdict engine needs (docs/safety.md "History"), derived from what Vakt
// stored: the last completed promotion (its verdict and its `promotion` event), each member's last
// good observation and the expected primary's recent status samples. Pure: no database, no clock
// (`now` is an argument); lib/safety/load-safety-input.ts reads the rows and calls these.
import type { TClusterHistory } from '@/lib/safety/engine';

/** How far back status samples are read for the outage start and the flapping guard. */
export const FLAP_WINDOW_SECONDS = 600;

/** A completed promotion of a cluster (e.g. the last one), with the data of its `promotion` event (null = none recorded). */
export type TLastPromotion = { candidate: string; epochAfter: number | null; finishedAt: Date | null; verdict: unknown; eventData: unknown };
/** A member's latest stored observation as far as history cares (NodeObservation row). */
export type TSeenAs = { status: string; role: string; observedAt: Date };
/**
 * A member's last good observation (NodeLastGood row). `primary*`: its last sighting ok AS PRIMARY
 * (WAL end and timeline then), kept when it later answers as a replica; absent = a primary snapshot
 * (role 'primary') is its own sighting.
 */
export type TLastGood = {
  role: string;
  observedAt: Date;
  timeline: number | null;
  lsn: string | null;
  primaryObservedAt?: Date | null;
  primaryLsn?: string | null;
  primaryTimeline?: number | null;
};

export type TStatusSample = { at: Date; status: string; role: string };
export type TOkPoint = { at: Date; ok: boolean };

/** The member's last sighting ok as primary (when, WAL end, timeline); null = never seen ok as primary. */
export function primarySighting(g: TLastGood | null | undefined): { at: Date; lsn: string | null; timeline: number | null } | null {
  if (!g) return null;
  if (g.primaryObservedAt) return { at: g.primaryObservedAt, lsn: g.primaryLsn ?? null, timeline: g.primaryTimeline ?? null };
  if (g.primaryObservedAt === undefined && g.role === 'primary') return { at: g.observedAt, lsn: g.lsn, timeline: g.timeline };
  return null;
}

/** Oldest status sample the loader needs at `now`. */
export const sampleWindowStart = (now: Date): Date => new Date(now.getTime() - FLAP_WINDOW_SECONDS * 1000);

/** Answered ok and as primary (the only state that counts as "the primary is up"). */
export const isOkPrimary = (o: { status: string; role: string } | null | undefined): boolean => o?.status === 'ok' && o.role === 'primary';

/** The primary a promotion replaced, as its verdict recorded it (null = not recorded). */
export function replacedPrimary(verdict: unknown): string | null {
  return (verdict as { primary?: { node?: string } | null } | null)?.primary?.node ?? null;
}

/** Where the promotion's new timeline forked, as the executor recorded it on the `promotion` event (null = unknown). */
export function promotionFork(eventData: unknown): { forkLsn: string | null; previousTimeline: number | null; newTimeline: number | null } {
  const d = (eventData ?? {}) as { forkLsn?: unknown; previousTimeline?: unknown; newTimeline?: unknown };
  const int = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : null);
  return { forkLsn: typeof d.forkLsn === 'string' ? d.forkLsn : null, previousTimeline: int(d.previousTimeline), newTimeline: int(d.newTimeline) };
}

/**
 * The engine's `replacedPrimaries`: every node a completed promotion replaced and that no later
 * promotion promoted, with the epoch of the promotion that replaced it (its own writes are from an
 * older epoch) and the timeline it was primary on (the promotion's previous timeline, else the
 * timeline its verdict saw it on; null = unknown). Promotions in any order; without an epoch: ignored.
 */
export function replacedPrimaries(promotions: TLastPromotion[]): NonNullable<TClusterHistory['replacedPrimaries']> {
  const sorted = promotions
    .filter((p) => p.epochAfter !== null)
    .sort((a, b) => (a.epochAfter! - b.epochAfter!) || (a.finishedAt?.getTime() ?? 0) - (b.finishedAt?.getTime() ?? 0));
  const losers = new Map<string, { node: string; epoch: number; timeline: number | null }>();
  for (const p of sorted) {
    losers.delete(p.candidate);
    const from = replacedPrimary(p.verdict);
    if (!from || from === p.candidate) continue;
    const verdictTimeline = (p.verdict as { primary?: { timeline?: unknown } | null } | null)?.primary?.timeline;
    const timeline = promotionFork(p.eventData).previousTimeline ?? (typeof verdictTimeline === 'number' && Number.isInteger(verdictTimeline) ? verdictTimeline : null);
    losers.set(from, { node: from, epoch: p.epochAfter!, timeline });
  }
  return [...losers.values()].sort((a, b) => a.epoch - b.epoch || (a.node < b.node ? -1 : 1));
}

/** The engine's `previousPromotion`: null without a completed promotion that claimed an epoch. */
export function previousPromotion(p: TLastPromotion | null): TClusterHistory['previousPromotion'] {
  if (!p || p.epochAfter === null) return null;
  return { node: p.candidate, fromNode: replacedPrimary(p.verdict), epoch: p.epochAfter, at: p.finishedAt, ...promotionFork(p.eventData) };
}

/** The latest planned switchover that proved its primary stopped (EXECUTING or COMPLETED), as the loader reads it. */
export type TSwitchoverStop = { id: string; candidate: string; epochAfter: number | null; finalLsn: string | null; verdict: unknown; stoppedAt: Date };

/**
 * The engine's `stoppedPrimary`: the node the switchover stopped (its verdict's primary), the epoch it
 * was fenced with, its proven final position and the timeline it was primary on (the verdict's primary,
 * else the candidate's bound timeline; null = unknown). Null when any of node, epoch or position is missing.
 */
export function stoppedPrimary(r: TSwitchoverStop | null | undefined): TClusterHistory['stoppedPrimary'] {
  const node = r ? replacedPrimary(r.verdict) : null;
  if (!r || !node || r.epochAfter === null || !r.finalLsn) return null;
  const v = r.verdict as { primary?: { timeline?: unknown } | null; binding?: { candidateTimeline?: unknown } | null } | null;
  const timeline = [v?.primary?.timeline, v?.binding?.candidateTimeline].find((t): t is number => typeof t === 'number' && Number.isInteger(t)) ?? null;
  return { node, candidate: r.candidate, epoch: r.epochAfter, finalLsn: r.finalLsn, timeline, stoppedAt: r.stoppedAt.toISOString(), promotionId: r.id };
}

/**
 * Which member Vakt expects to be the primary: the member most recently seen ok as primary (its last
 * sighting as primary survives later replica answers; never the one the last promotion replaced nor
 * any other replaced primary in `replaced`), unless the last promotion finished after that sighting
 * (or nobody was ever seen as primary): then its candidate. Null = no idea.
 */
export function expectedPrimaryName(
  members: Array<{ name: string; lastGood: TLastGood | null }>,
  lastPromotion: TLastPromotion | null,
  replaced: string[] = [],
): string | null {
  const fromNode = lastPromotion ? replacedPrimary(lastPromotion.verdict) : null;
  const primaries = members
    .map((m) => ({ name: m.name, seen: primarySighting(m.lastGood) }))
    .filter((m): m is { name: string; seen: NonNullable<ReturnType<typeof primarySighting>> } => m.seen !== null && m.name !== fromNode && !replaced.includes(m.name))
    .sort((a, b) => b.seen.at.getTime() - a.seen.at.getTime());
  let expected = primaries[0]?.name ?? null;
  if (lastPromotion && (!primaries[0] || (lastPromotion.finishedAt && lastPromotion.finishedAt > primaries[0].seen.at))) {
    expected = members.find((m) => m.name === lastPromotion.candidate)?.name ?? expected;
  }
  return expected;
}

/** When the node was last seen ok as primary: its latest observation if that is one, or its last good one as primary. */
export function lastSeenOkAsPrimary(observation: TSeenAs | null, lastGood: TLastGood | null): Date | null {
  const candidates = [observation && isOkPrimary(observation) ? observation.observedAt : null, primarySighting(lastGood)?.at ?? null];
  return candidates.filter((d): d is Date => d instanceof Date).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
}

/** Start of the current outage from the node's status samples: the first non-ok sample after the last ok. */
export function downSinceFromSamples(samples: TOkPoint[], fallback: Date | null): Date | null {
  const sorted = [...samples].sort((a, b) => a.at.getTime() - b.at.getTime());
  let since: Date | null = null;
  for (const s of sorted) {
    if (s.ok) since = null;
    else if (since === null) since = s.at;
  }
  return since ?? fallback;
}

/** Times the node went from ok to not-ok (flapping guard). */
export function downTransitions(samples: TOkPoint[]): Date[] {
  const sorted = [...samples].sort((a, b) => a.at.getTime() - b.at.getTime());
  const out: Date[] = [];
  for (let i = 1; i < sorted.length; i++) if (sorted[i - 1].ok && !sorted[i].ok) out.push(sorted[i].at);
  return out;
}

/**
 * When the expected primary's outage began (null while its latest observation is ok as primary).
 * Samples older than the last ok sighting do not count, except ok ones; without a later not-ok sample
 * the outage began no earlier than the latest not-ok observation (conservative), or unknown (null).
 */
export function outageBegan(o: { observation: TSeenAs | null; lastSeenOkAt: Date | null; points: TOkPoint[] }): Date | null {
  const obs = o.observation;
  if (isOkPrimary(obs)) return null;
  const fallback = obs ? obs.observedAt : null;
  return downSinceFromSamples(
    o.points.filter((p) => !o.lastSeenOkAt || p.at > o.lastSeenOkAt || p.ok),
    fallback,
  );
}

/**
 * The engine's history about the expected primary: who it is, its timeline and LSN as last seen
 * primary, when it was last seen ok, when its outage began and when it went down recently.
 */
export function expectedPrimaryHistory(p: {
  node: string;
  observation: TSeenAs | null;
  lastGood: TLastGood | null;
  samples: TStatusSample[];
}): Pick<TClusterHistory, 'expectedPrimary' | 'primaryDownSince'> & { primaryDownEvents: Date[] } {
  // its last sighting as primary, even when it answers as a replica now (an old primary restarted read-only)
  const asPrimary = primarySighting(p.lastGood);
  const lastSeenOkAt = lastSeenOkAsPrimary(p.observation, p.lastGood);
  const points = p.samples.map((s) => ({ at: s.at, ok: isOkPrimary(s) }));
  return {
    expectedPrimary: { node: p.node, timeline: asPrimary?.timeline ?? null, lastLsn: asPrimary?.lsn ?? null, lastSeenOkAt },
    primaryDownSince: outageBegan({ observation: p.observation, lastSeenOkAt, points }),
    primaryDownEvents: downTransitions(points),
  };
}
