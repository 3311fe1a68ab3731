import { describe, expect, it } from 'vitest';
import { clockSkewMessage, measureClockSkew, stampObservation } from './clock-skew';
import { dbTimeAt } from './db-clock';
import type { TObservation } from './observation';

const T0 = Date.parse('2026-03-20T12:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);
const answer = (collectedAtMs: number) => ({ protocol: 'vakt.agent/v1', collectedAt: at(collectedAtMs).toISOString() });
const okPrimary = (payload: unknown): TObservation => ({
  observedAt: new Date(0), // the adapter's stamp is replaced by the database time of the request
  status: 'ok',
  error: null,
  role: 'primary',
  timeline: 3,
  systemIdentifier: '7000000000000000001',
  lsn: '0/5000000',
  receiveLsn: null,
  replayLsn: null,
  lagBytes: null,
  lagSeconds: null,
  syncState: null,
  fenced: true,
  fenceEpoch: 4,
  freeBytes: 1,
  totalBytes: 2,
  payload,
});

describe('measureClockSkew: agent collectedAt minus database time at the midpoint of the request', () => {
  it.each([
    { name: 'agent in step with the database: 0', payload: answer(50), start: 0, end: 100, want: 0 },
    { name: 'agent 5 s ahead, 100 ms round trip: corrected by half the round trip', payload: answer(5_050), start: 0, end: 100, want: 5_000 },
    { name: 'agent 3 s behind', payload: answer(-2_950), start: 0, end: 100, want: -3_000 },
    { name: 'a slow answer (2 s round trip) is not skew: the midpoint is 1 s in', payload: answer(1_000), start: 0, end: 2_000, want: 0 },
    { name: 'no collectedAt (Patroni, garbage): not measured', payload: { cluster: {} }, start: 0, end: 100, want: null },
    { name: 'collectedAt that is no time: not measured', payload: { collectedAt: 'yesterday-ish' }, start: 0, end: 100, want: null },
    { name: 'no answer: not measured', payload: null, start: 0, end: 100, want: null },
  ])('$name', ({ payload, start, end, want }) => expect(measureClockSkew(payload, at(start), at(end))).toBe(want));
});

describe('stampObservation: database time, skew, and CLOCK_SKEW beyond the bound', () => {
  it('an agent within the bound: stamped with the database time of the midpoint, skew recorded, answer unchanged', () => {
    const o = stampObservation(okPrimary(answer(1_550)), { requestStart: at(0), requestEnd: at(100), maxSkewMs: 2000 });
    expect(o).toMatchObject({ observedAt: at(50), clockSkewMs: 1_500, status: 'ok', role: 'primary', lsn: '0/5000000', fenced: true, fenceEpoch: 4 });
  });

  it.each([
    { name: 'an agent 5 s ahead is unknown with CLOCK_SKEW (ahead of)', collected: 5_050, skew: 5_000, text: "CLOCK_SKEW: agent clock is 5000 ms ahead of Vakt's database" },
    { name: 'an agent 3 s behind is unknown with CLOCK_SKEW (behind)', collected: -2_950, skew: -3_000, text: "CLOCK_SKEW: agent clock is 3000 ms behind Vakt's database" },
  ])('$name: no role, positions or fencing as current; the skew is kept', ({ collected, skew, text }) => {
    const o = stampObservation(okPrimary(answer(collected)), { requestStart: at(0), requestEnd: at(100), maxSkewMs: 2000 });
    expect(o).toMatchObject({ observedAt: at(50), clockSkewMs: skew, status: 'unknown', role: 'unknown', timeline: null, lsn: null, fenced: false, fenceEpoch: null });
    expect(o.error!.startsWith(text)).toBe(true);
    expect(o.error).toContain('VAKT_MAX_CLOCK_SKEW_MS = 2000');
  });

  it('exactly at the bound is still within it', () => {
    expect(stampObservation(okPrimary(answer(2_050)), { requestStart: at(0), requestEnd: at(100), maxSkewMs: 2000 }).status).toBe('ok');
  });

  it('an observation that is already unknown keeps its own reason, with the database stamp', () => {
    const o = stampObservation({ ...okPrimary(null), status: 'unknown', error: 'agent timed out' }, { requestStart: at(0), requestEnd: at(3000), maxSkewMs: 2000 });
    expect(o).toMatchObject({ observedAt: at(1500), clockSkewMs: null, status: 'unknown', error: 'agent timed out' });
  });

  it('clockSkewMessage names the direction', () => {
    expect(clockSkewMessage(12)).toBe("CLOCK_SKEW: agent clock is 12 ms ahead of Vakt's database");
    expect(clockSkewMessage(-12)).toBe("CLOCK_SKEW: agent clock is 12 ms behind Vakt's database");
  });
});

describe('dbTimeAt: database time from an anchor and the monotonic clock', () => {
  it.each([
    { name: 'at the anchor: the database time read', perf: 1_000, want: at(0) },
    { name: '250 ms of monotonic time later', perf: 1_250, want: at(250) },
    { name: 'before the anchor', perf: 900, want: at(-100) },
  ])('$name', ({ perf, want }) => expect(dbTimeAt({ dbMs: T0, perfMs: 1_000 }, perf)).toEqual(want));
});
