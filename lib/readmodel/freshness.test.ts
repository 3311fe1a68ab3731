import { describe, expect, it } from 'vitest';
import type { TSafetyReport } from '@/lib/safety/engine';
import { clusterDigest, findingsDigest, freshness, servedLiveFindings, servedReport, STALE_REASON } from './freshness';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);

const report = (over: Partial<TSafetyReport> = {}): TSafetyReport => ({
  cluster: 'c',
  state: 'HEALTHY',
  epoch: 3,
  evaluatedAt: ago(1000).toISOString(),
  primary: { node: 'a', site: 'oslo', status: 'ok', role: 'primary', observedAt: null, ageSeconds: 0, lastSeenOkAt: null, downForSeconds: null, timeline: 1, lsn: '0/1', fenced: false },
  alarms: [],
  candidates: [
    {
      node: 'b',
      site: 'oslo',
      crossSite: false,
      verdict: 'SAFE',
      approvalsRequired: 1,
      reasons: [{ code: 'PRIMARY_HEALTHY', message: 'x', effect: 'info' }],
      dataLoss: { bytes: 0, seconds: 0, unknownWindowSeconds: 0, windowCoveredBySync: true, worstCaseSeconds: 0, referenceLsn: null, candidateLsn: null, syncState: 'sync', basis: 'measured-window', exact: false, finalLsn: null, proof: null },
      rpoBoundSeconds: 60,
      strictestContext: 'x',
      contexts: [],
      requiresAttestation: true,
      replayLsn: null,
      rank: 1,
      runbook: null,
      salvage: { possible: false, source: null, sourceKind: null, targetLsn: null, bytes: 0, remainingBytes: 0, expectedSeconds: null, reason: 'nothing to salvage' },
    },
  ],
  fenceTarget: 'a',
  needsRebuild: [],
  needsRepoint: [],
  ...over,
});

describe('freshness: a computation older than the stale limit is stale', () => {
  it.each([
    ['just computed', ago(0), false, 0],
    ['at the limit', ago(15_000), false, 15],
    ['past the limit', ago(15_001), true, 15],
    ['long ago', ago(600_000), true, 600],
    ['in the future (another clock): not stale, age 0', new Date(NOW.getTime() + 2000), false, 0],
  ])('%s', (_n, at, stale, age) => {
    expect(freshness(at, NOW, 15_000)).toEqual({ computedAt: at.toISOString(), stale, ageSeconds: age });
  });
  it.each([
    ['never computed (no row)', null],
    ['never computed (placeholder at the epoch)', new Date(0)],
  ])('%s: stale, computedAt null', (_n, at) => {
    expect(freshness(at, NOW, 15_000)).toEqual({ computedAt: null, stale: true, ageSeconds: null });
  });
});

describe('servedReport: stale reads UNKNOWN, every candidate BLOCKED, never healthy', () => {
  it('fresh: the stored report as it is', () => {
    const r = report();
    expect(servedReport(r, freshness(ago(1000), NOW, 15_000))).toBe(r);
  });
  it.each([
    ['old', freshness(ago(60_000), NOW, 15_000), /60 s old/],
    ['never computed', freshness(null, NOW, 15_000), /not evaluated/],
  ])('%s', (_n, f, message) => {
    const s = servedReport(report(), f);
    expect(s.state).toBe('UNKNOWN');
    expect(s.fenceTarget).toBeNull();
    expect(s.candidates.map((c) => [c.verdict, c.approvalsRequired, c.requiresAttestation, c.reasons[0].code, c.reasons[0].effect])).toEqual([['BLOCKED', 0, false, STALE_REASON, 'block']]);
    expect(s.candidates[0].reasons[0].message).toMatch(message);
    // the engine's own reasons stay visible after it
    expect(s.candidates[0].reasons[1].code).toBe('PRIMARY_HEALTHY');
  });
});

describe('servedLiveFindings: stale adds an error finding', () => {
  const findings = [{ code: 'NODE_DOWN', severity: 'warning' as const, message: 'x', source: 'live' as const }];
  it('fresh: unchanged', () => expect(servedLiveFindings(findings, freshness(ago(0), NOW, 15_000))).toBe(findings));
  it('stale: READ_MODEL_STALE (error) first, the stored ones after', () => {
    const s = servedLiveFindings([], freshness(ago(20_000), NOW, 15_000));
    expect(s).toEqual([expect.objectContaining({ code: STALE_REASON, severity: 'error', source: 'live' })]);
    expect(servedLiveFindings(findings, freshness(ago(20_000), NOW, 15_000)).map((f) => f.code)).toEqual([STALE_REASON, 'NODE_DOWN']);
  });
});

describe('digests: what pages show changes the digest; numbers every poll moves do not', () => {
  const member = { name: 'b', status: 'ok', role: 'replica', timeline: 1, fenced: false, syncState: 'sync', stale: false };
  const base = clusterDigest(report(), [member], null);
  it.each([
    ['the state', clusterDigest(report({ state: 'DEGRADED' }), [member], null)],
    ['a verdict', clusterDigest(report({ candidates: [{ ...report().candidates[0], verdict: 'GATED' }] }), [member], null)],
    ['a member status', clusterDigest(report(), [{ ...member, status: 'down' }], null)],
    ['a member going stale', clusterDigest(report(), [{ ...member, stale: true }], null)],
    ['an alarm', clusterDigest(report({ alarms: [{ code: 'SPLIT_BRAIN', message: 'x' }] }), [member], null)],
    ['pause mode', clusterDigest(report(), [member], true)],
  ])('%s changes it', (_n, other) => expect(other).not.toBe(base));
  it('LSNs, data loss figures and evaluation time do not', () => {
    const moved = report({ evaluatedAt: NOW.toISOString(), candidates: [{ ...report().candidates[0], replayLsn: '0/9', dataLoss: { ...report().candidates[0].dataLoss, bytes: 512, seconds: 0.4 } }] });
    expect(clusterDigest(moved, [member], null)).toBe(base);
  });
  it('findings: codes and severities, not the numbers in messages', () => {
    const f = (message: string, severity: 'error' | 'warning' = 'warning') => [{ code: 'AGENT_STALE', severity, message, source: 'live' as const }];
    expect(findingsDigest(f('16 s old'))).toBe(findingsDigest(f('17 s old')));
    expect(findingsDigest(f('x', 'error'))).not.toBe(findingsDigest(f('x')));
  });
});
