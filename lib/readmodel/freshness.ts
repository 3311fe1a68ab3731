// Pure rules of the read model (lib/readmodel/README.md): how old a stored computation may be before
// it reads as UNKNOWN (never healthy), and what counts as a change worth telling open pages about.
// No I/O: time is an input, so these are tested with tables.
import type { TSafetyReport } from '@/lib/safety/engine';
import type { TFinding } from '@/lib/findings/types';

/** What every read of the read model carries. */
export type TFreshness = {
  /** Vakt's database time the worker judged the inputs at; null = not computed yet */
  computedAt: string | null;
  /** older than the stale limit (or never computed): the stored verdicts are not shown as they are */
  stale: boolean;
  /** seconds since computedAt; null = never computed */
  ageSeconds: number | null;
};

export const STALE_REASON = 'READ_MODEL_STALE';

export function freshness(computedAt: Date | null, now: Date, staleAfterMs: number): TFreshness {
  if (!computedAt || computedAt.getTime() <= 0) return { computedAt: null, stale: true, ageSeconds: null };
  const ageMs = now.getTime() - computedAt.getTime();
  return { computedAt: computedAt.toISOString(), stale: ageMs > staleAfterMs, ageSeconds: Math.max(0, Math.round(ageMs / 100) / 10) };
}

const staleMessage = (f: TFreshness) =>
  f.computedAt === null
    ? 'Vakt has not evaluated this yet (is a worker running?): nothing here is a verdict.'
    : `Vakt's last evaluation is ${f.ageSeconds} s old (is a worker running?): it is shown as unknown, never as healthy.`;

/**
 * A stored safety report as reads serve it: fresh, unchanged; stale, the state is UNKNOWN, every
 * candidate BLOCKED with READ_MODEL_STALE, nothing to fence (no one acts on an old answer).
 */
export function servedReport(report: TSafetyReport, f: TFreshness): TSafetyReport {
  if (!f.stale) return report;
  const reason = { code: STALE_REASON, message: staleMessage(f), effect: 'block' as const };
  return {
    ...report,
    state: 'UNKNOWN',
    fenceTarget: null,
    candidates: report.candidates.map((c) => ({ ...c, verdict: 'BLOCKED', approvalsRequired: 0, requiresAttestation: false, reasons: [reason, ...c.reasons] })),
  };
}

/** A context's stored live findings as reads serve them: stale adds an error finding (never a clean bill). */
export function servedLiveFindings(findings: TFinding[], f: TFreshness): TFinding[] {
  if (!f.stale) return findings;
  return [{ code: STALE_REASON, severity: 'error', message: `Live compliance: ${staleMessage(f)}`, source: 'live' }, ...findings];
}

type TDigestMember = { name: string; status: string; role: string; timeline: number | null; fenced: boolean; syncState: string | null; stale: boolean };

/** What open pages show of a cluster, without the numbers every poll moves (LSNs, lag, ages). */
export function clusterDigest(report: TSafetyReport, members: TDigestMember[], paused: boolean | null): string {
  return JSON.stringify({
    s: report.state,
    e: report.epoch,
    p: report.primary ? [report.primary.node, report.primary.status, report.primary.role, report.primary.timeline, report.primary.fenced] : null,
    a: report.alarms.map((a) => a.code),
    c: report.candidates.map((c) => [c.node, c.verdict, c.approvalsRequired, c.reasons.map((r) => r.code)]),
    f: report.fenceTarget,
    r: report.needsRebuild.map((n) => n.node),
    rp: report.needsRepoint.map((n) => n.node),
    m: members.map((m) => [m.name, m.status, m.role, m.timeline, m.fenced, m.syncState, m.stale]),
    pa: paused,
  });
}

/** What a context page shows of its live findings, without the numbers in their messages. */
export function findingsDigest(findings: TFinding[]): string {
  return JSON.stringify(findings.map((f) => [f.code, f.severity, f.field ?? null]));
}
