import { describe, expect, it } from 'vitest';
import { evaluateCluster } from './evaluate-cluster';
import type { TCandidateVerdict, TClusterKind, TMemberInput, TProvenFinalPosition, TSafetyInput } from './types';
import { MiB, ago, lsn, primaryLost, rep, replica, scenario } from '../../../tests/support/safety-fixtures';

// Exact data loss and WAL salvage (docs/safety.md "Exact loss" and "WAL salvage"). The old primary
// oslo-1 was last seen as primary at 160 MiB, 35 s ago, and Vakt saw it down 33 s ago; its agent
// answers now (PostgreSQL down). With a proven final position the unknown window is closed.
const P = 160 * MiB;
const ADDR = { host: '10.0.0.11', port: 5432 };

const clean = (bytes: number, p: Partial<TProvenFinalPosition> = {}): TProvenFinalPosition => ({
  basis: 'clean-shutdown',
  lsn: lsn(bytes),
  timeline: 1,
  proof: `clean shutdown at ${lsn(bytes)} (pg_controldata)`,
  ...p,
});

/** The stopped old primary; `final`: what its agent proved now; `obs`: changes to its latest observation. */
function stopped(final: TProvenFinalPosition | null, obs: Partial<NonNullable<TMemberInput['observation']>> = {}): TMemberInput {
  const m = primaryLost('oslo-1', 'oslo', P, [rep('oslo-2', 'async', P, 0.5), rep('bergen-1', 'async', P - 4 * MiB, 2)]);
  return { ...m, observation: { ...m.observation!, finalPosition: final, replicationAddress: ADDR, ...obs } };
}

function run(o: { primary: TMemberInput; oslo2At?: number; bergenAt?: number; kind?: TClusterKind; oslo2?: Partial<NonNullable<TMemberInput['observation']>> }): Record<string, TCandidateVerdict> {
  const input: TSafetyInput = scenario({
    members: [
      o.primary,
      replica('oslo-2', 'oslo', o.oslo2At ?? P, { replicationAddress: { host: '10.0.0.12', port: 5432 }, ...o.oslo2 }),
      replica('bergen-1', 'bergen', o.bergenAt ?? P - 4 * MiB, { replicationAddress: { host: '10.1.0.11', port: 5432 } }),
    ],
    kind: o.kind,
  });
  return Object.fromEntries(evaluateCluster(input).candidates.map((c) => [c.node, c]));
}
const codes = (c: TCandidateVerdict) => c.reasons.map((r) => r.code);

describe('exact loss: the stopped old primary proved where its WAL ends', () => {
  it('clean shutdown, both replicas hold the final position: 0 bytes, 0 s, exact, the window closed', () => {
    const v = run({ primary: stopped(clean(P)) });
    for (const c of [v['oslo-2']]) {
      expect(c.dataLoss).toMatchObject({ bytes: 0, seconds: 0, unknownWindowSeconds: 0, worstCaseSeconds: 0, basis: 'proven-final', exact: true, finalLsn: lsn(P) });
      expect(c.dataLoss.proof).toContain('clean shutdown');
      expect(codes(c)).toEqual(expect.arrayContaining(['LOSS_PROVEN', 'WITHIN_RPO']));
      expect(codes(c)).not.toContain('EXCEEDS_RPO');
    }
  });

  it('a candidate last observed before the primary stopped: the final position is proven but the bytes are an upper bound (not exact) until its next poll', () => {
    const c = run({ primary: stopped(clean(P + 3 * MiB)), oslo2: { observedAt: ago(34) } })['oslo-2'];
    expect(c.dataLoss).toMatchObject({ basis: 'proven-final', exact: false, bytes: 3 * MiB, unknownWindowSeconds: 0 });
  });

  it('without the proof the same state carries the whole unknown window (measured-window)', () => {
    const v = run({ primary: stopped(null) });
    expect(v['oslo-2'].dataLoss).toMatchObject({ bytes: 0, basis: 'measured-window', exact: false, finalLsn: null, proof: null });
    expect(v['oslo-2'].dataLoss.unknownWindowSeconds).toBeCloseTo(35, 0);
    expect(v['oslo-2'].dataLoss.worstCaseSeconds).toBeCloseTo(35, 0);
  });

  it('the primary wrote 3 MiB after its last sighting: bytes are exact (final − candidate), seconds bounded by the closed window (35 s − 33 s)', () => {
    const v = run({ primary: stopped(clean(P + 3 * MiB, { basis: 'crash-wal-end', proof: 'end of valid WAL' })) });
    expect(v['oslo-2'].dataLoss).toMatchObject({ bytes: 3 * MiB, exact: true, basis: 'proven-final', unknownWindowSeconds: 0 });
    expect(v['oslo-2'].dataLoss.seconds).toBeCloseTo(2, 0);
    // bergen-1 also lacks WAL from before the sighting: its lag then (2 s) plus the closed window
    expect(v['bergen-1'].dataLoss.bytes).toBe(7 * MiB);
    expect(v['bergen-1'].dataLoss.seconds).toBeCloseTo(4, 0);
  });

  it.each([
    { name: 'a stale answer', primary: stopped(clean(P), { observedAt: ago(40) }), why: null },
    { name: 'an agent that does not answer now (unknown)', primary: stopped(clean(P), { status: 'unknown' }), why: null },
    { name: 'a skewed clock', primary: stopped(clean(P), { clockSkewMs: 9000 }), why: null },
    { name: 'another timeline', primary: stopped(clean(P, { timeline: 2 })), why: 'it is on timeline 2, the primary was on timeline 1' },
    { name: 'a position behind what the primary was seen at', primary: stopped(clean(P - MiB)), why: `is behind oslo-1's last position as primary` },
  ])('no proof from $name: the window counts', ({ primary, why }) => {
    const c = run({ primary })['oslo-2'];
    expect(c.dataLoss.basis).toBe('measured-window');
    expect(c.dataLoss.exact).toBe(false);
    expect(c.dataLoss.unknownWindowSeconds).not.toBe(0);
    if (why) expect(c.reasons.find((r) => r.code === 'FINAL_POSITION_NOT_TRUSTED')?.message).toContain(why);
    else expect(codes(c)).not.toContain('FINAL_POSITION_NOT_TRUSTED');
  });

  it('a proof behind a replica (nothing can hold WAL the primary never wrote): not trusted', () => {
    const c = run({ primary: stopped(clean(P)), oslo2At: P + MiB })['bergen-1'];
    expect(c.dataLoss.basis).toBe('measured-window');
    expect(c.reasons.find((r) => r.code === 'FINAL_POSITION_NOT_TRUSTED')?.message).toContain('is behind oslo-2');
  });

  it('a Patroni cluster never uses a final position (the members are watched through Patroni)', () => {
    const c = run({ primary: stopped(clean(P)), kind: 'patroni' })['oslo-2'];
    expect(c.dataLoss.basis).toBe('measured-window');
  });
});

describe('WAL salvage plan (never changes the verdict)', () => {
  it('proven final position with a replication address: salvage from the fenced old primary brings the candidate to zero loss', () => {
    const proven = run({ primary: stopped(clean(P + 3 * MiB)) });
    const b = proven['bergen-1'];
    expect(b.salvage).toMatchObject({ possible: true, source: 'oslo-1', sourceKind: 'old-primary', targetLsn: lsn(P + 3 * MiB), bytes: 7 * MiB, remainingBytes: 0 });
    expect(b.salvage.expectedSeconds).toBeGreaterThanOrEqual(5);
    // the verdict is the one without salvage: the same candidate with salvage impossible has the same verdict
    const noAddr = run({ primary: stopped(clean(P + 3 * MiB), { replicationAddress: null }) })['bergen-1'];
    expect(noAddr.verdict).toBe(b.verdict);
    expect(noAddr.dataLoss).toEqual(b.dataLoss);
  });

  it('no replication address on the old primary: the more advanced replica is the source, and the rest stays lost', () => {
    const b = run({ primary: stopped(clean(P + 3 * MiB), { replicationAddress: null }) })['bergen-1'];
    expect(b.salvage).toMatchObject({ possible: true, source: 'oslo-2', sourceKind: 'replica', bytes: 4 * MiB, remainingBytes: 3 * MiB });
  });

  it("old primary's agent gone and no more advanced replica: impossible, and says why", () => {
    const m = primaryLost('oslo-1', 'oslo', P, [rep('oslo-2', 'async', P - MiB, 0.5)], { now: 'unknown' });
    const input = scenario({ members: [m, replica('oslo-2', 'oslo', P - MiB, { replicationAddress: ADDR })] });
    const c = evaluateCluster(input).candidates.find((x) => x.node === 'oslo-2')!;
    expect(c.salvage.possible).toBe(false);
    expect(c.salvage.reason).toMatch(/final WAL position of the old primary oslo-1 is not proven/);
    expect(c.salvage.remainingBytes).toBe(c.dataLoss.bytes);
  });

  it('nothing to salvage when the candidate holds everything; impossible on Patroni', () => {
    expect(run({ primary: stopped(clean(P)) })['oslo-2'].salvage).toMatchObject({ possible: false, bytes: 0, remainingBytes: 0, reason: expect.stringMatching(/nothing to salvage/) });
    expect(run({ primary: stopped(clean(P + MiB)), kind: 'patroni' })['oslo-2'].salvage).toMatchObject({ possible: false, reason: expect.stringMatching(/Patroni/) });
  });

  it('the candidate holds every byte Vakt knows of but the final position is not proven: no salvage to aim for (and not "nothing to salvage")', () => {
    const c = run({ primary: stopped(null) })['oslo-2'];
    expect(c.dataLoss.bytes).toBe(0);
    expect(c.salvage.possible).toBe(false);
    expect(c.salvage.reason).toMatch(/holds every byte Vakt knows of, but the final WAL position of the old primary oslo-1 is not proven/);
  });

  it('a more advanced replica that is fenced or does not answer is no source', () => {
    const b = run({ primary: stopped(null), oslo2: { fencing: { epoch: 1, fenced: true } } })['bergen-1'];
    expect(b.salvage.possible).toBe(false);
    expect(b.salvage.reason).toContain('oslo-2 holds more WAL but is fenced');
  });
});
