// Patroni's maintenance (pause) mode, as the freshest answering member reports it. Pure.

type TObservationLike = { status: string; observedAt: Date; payload: unknown } | null | undefined;
type TPatroniPausePayload = { cluster?: { pause?: boolean }; patroni?: { pause?: boolean } };

/** The freshest observation that answered (status known, a payload) decides; none such -> null (unknown). */
export function patroniPaused(observations: readonly TObservationLike[]): boolean | null {
  const freshest = observations
    .filter((o): o is NonNullable<TObservationLike> => Boolean(o && o.status !== 'unknown' && o.payload))
    .sort((a, b) => b.observedAt.getTime() - a.observedAt.getTime())[0];
  const p = freshest?.payload as TPatroniPausePayload | undefined;
  return p ? Boolean(p.cluster?.pause ?? p.patroni?.pause ?? false) : null;
}
