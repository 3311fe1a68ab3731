// The safety API answer (GET /api/v1/clusters/{name}/safety): the engine's report for a cluster,
// shaped for clients, with rejoin instructions and the open promotion requests. The engine input is
// loaded by lib/safety (load-safety-input.ts) (shared with telemetry reads, so both judge the same state).
import { db } from '@/lib/base/db';
import type { TClusterKind } from '@/lib/pg';
import type { TCandidateVerdict, TDataLoss, TSafetyReport, TSwitchoverReport } from '@/lib/safety/engine';
import { evaluateClusterNow } from '@/lib/safety/load-safety-input';
import { readApprovalRecord } from './approval-binding';
import { rejoinInstructions, repointInstructions, type TRejoinInstructions, type TRepointInstructions } from './rejoin-instructions';
import { attestationTextIfRequired, OPEN_STATUSES } from './rules';
import { readSnapshot } from './snapshot';
import { maintenanceOf, type TMaintenance } from './maintenance';

/** One candidate as the API answers it: the engine's verdict without its rank and LSN details, plus the attestation text. */
export type TSafetyCandidate = Omit<TCandidateVerdict, 'rank' | 'dataLoss'> & {
  dataLoss: Pick<TDataLoss, 'bytes' | 'seconds' | 'unknownWindowSeconds' | 'worstCaseSeconds' | 'windowCoveredBySync' | 'basis' | 'exact' | 'finalLsn' | 'proof'>;
  attestationText: string | null;
};

export type TOpenRequest = {
  id: string;
  /** failover | switchover */
  kind: string;
  candidate: string;
  status: string;
  automatic: boolean;
  requestedBy: string;
  requestedById: string | null;
  reason: string;
  approvalsRequired: number;
  /** approvals that have not lapsed (LOSS_GREW) */
  approvals: Array<{ user: string; userId: string; at: string }>;
  /** LOSS_GREW while the request is back in PENDING for it */
  pendingReason: 'LOSS_GREW' | null;
  createdAt: string;
  expiresAt: string;
};

export type TClusterSafety = {
  cluster: string;
  kind: TClusterKind;
  state: TSafetyReport['state'];
  epoch: number;
  evaluatedAt: string;
  primary: TSafetyReport['primary'];
  alarms: TSafetyReport['alarms'];
  fenceTarget: string | null;
  needsRebuild: Array<{ node: string; reason: string; rejoin: TRejoinInstructions | null }>;
  /** replicas left on the old timeline before its fork point: not diverged, only to be pointed at the primary */
  needsRepoint: Array<{ node: string; reason: string; repoint: TRepointInstructions | null }>;
  candidates: TSafetyCandidate[];
  /** planned switchover verdicts (issue 15): every replica, with its own reasons; failover candidates keep PRIMARY_HEALTHY */
  switchover: TSwitchoverReport;
  openRequests: TOpenRequest[];
  /** maintenance mode (automatic failover paused until `until`); null = none */
  maintenance: TMaintenance;
  /** read model (lib/readmodel): when the worker computed the report; null = not computed yet */
  computedAt?: string | null;
  /** read model: older than the stale limit, so the state is UNKNOWN and every candidate BLOCKED (READ_MODEL_STALE) */
  stale?: boolean;
};

type TRejoinFacts = { dataDirectory: string | null; pgBin: string | null; port: number | null; rewindPossible: boolean | null };

/** What the agents said about each member's data directory, binaries, port and rewind support (from
 *  the latest answer, or the last one in which PostgreSQL answered) — so rejoin commands are exact. */
async function rejoinFacts(memberIds: string[]): Promise<Map<string, TRejoinFacts>> {
  const [latest, lastGood] = await Promise.all([
    db.nodeObservation.findMany({ where: { memberId: { in: memberIds } }, select: { memberId: true, payload: true } }),
    db.nodeLastGood.findMany({ where: { memberId: { in: memberIds } }, select: { memberId: true, payload: true } }),
  ]);
  type TPayload = { node?: { dataDirectory?: string; pgBin?: string }; postgres?: { settings?: { port?: number | null; walLogHints?: boolean; dataChecksums?: boolean } | null } } | null;
  const out = new Map<string, TRejoinFacts>();
  for (const id of memberIds) {
    const now = latest.find((o) => o.memberId === id)?.payload as TPayload;
    const good = lastGood.find((o) => o.memberId === id)?.payload as TPayload;
    const settings = now?.postgres?.settings ?? good?.postgres?.settings ?? null;
    out.set(id, {
      dataDirectory: now?.node?.dataDirectory ?? good?.node?.dataDirectory ?? null,
      pgBin: now?.node?.pgBin ?? good?.node?.pgBin ?? null,
      port: settings?.port ?? null,
      rewindPossible: settings && (settings.walLogHints !== undefined || settings.dataChecksums !== undefined) ? Boolean(settings.walLogHints || settings.dataChecksums) : null,
    });
  }
  return out;
}

/** The safety answer of a fresh evaluation (execution-side reads and tests; the API reads the stored one: lib/readmodel). */
export async function getClusterSafety(name: string, opts: { now?: Date } = {}): Promise<TClusterSafety> {
  const { cluster, report } = await evaluateClusterNow({ name, now: opts.now });
  return safetyAnswer(cluster, report);
}

/** The cluster the safety answer needs besides the report: its members' ids and agent addresses (rejoin commands). */
export type TSafetyCluster = { id: string; name: string; kind: TClusterKind; members: Array<{ id: string; name: string; agentUrl: string }> };

/** Shapes an engine report (fresh, or the one the read model stored) as the API answers it, with open requests and rejoin commands. */
/** What a caller read already in its own query (lib/readmodel): the cluster's maintenance columns, and whether it has open requests at all. */
type TSafetyKnown = { maintenance: Parameters<typeof maintenanceOf>[0]; hasOpenRequests: boolean };

export async function safetyAnswer(cluster: TSafetyCluster, report: TSafetyReport, known?: TSafetyKnown): Promise<TClusterSafety> {
  const memberId = (node: string) => cluster.members.find((m) => m.name === node)?.id ?? '';
  const open =
    known && !known.hasOpenRequests
      ? []
      : await db.promotionRequest.findMany({
          where: { clusterId: cluster.id, status: { in: [...OPEN_STATUSES] } },
          include: { approvals: { orderBy: { at: 'asc' } } },
          orderBy: { createdAt: 'desc' },
        });
  const row = known ? known.maintenance : await db.cluster.findUnique({ where: { id: cluster.id }, select: { maintenanceReason: true, maintenanceUntil: true, maintenanceSince: true, maintenanceBy: true } });
  const currentPrimary = report.state === 'HEALTHY' || report.state === 'DEGRADED' ? report.primary?.node ?? null : null;
  const sourceMember = cluster.members.find((m) => m.name === currentPrimary);
  const facts = (report.needsRebuild.length || report.needsRepoint.length) && sourceMember ? await rejoinFacts(cluster.members.map((m) => m.id)) : new Map<string, TRejoinFacts>();
  return {
    cluster: cluster.name,
    kind: cluster.kind,
    state: report.state,
    epoch: report.epoch,
    evaluatedAt: report.evaluatedAt,
    primary: report.primary,
    alarms: report.alarms,
    fenceTarget: report.fenceTarget,
    needsRebuild: report.needsRebuild.map((n) => ({
      ...n,
      rejoin: sourceMember
        ? rejoinInstructions({
            node: n.node,
            dataDir: facts.get(memberId(n.node))?.dataDirectory,
            pgBin: facts.get(memberId(n.node))?.pgBin,
            rewindPossible: facts.get(memberId(n.node))?.rewindPossible,
            source: { node: sourceMember.name, host: hostOf(sourceMember.agentUrl), port: facts.get(sourceMember.id)?.port },
          })
        : null,
    })),
    needsRepoint: report.needsRepoint.map((n) => ({
      ...n,
      repoint: sourceMember
        ? repointInstructions({
            node: n.node,
            dataDir: facts.get(memberId(n.node))?.dataDirectory,
            pgBin: facts.get(memberId(n.node))?.pgBin,
            timeline: report.primary?.timeline,
            source: { node: sourceMember.name, host: hostOf(sourceMember.agentUrl), port: facts.get(sourceMember.id)?.port },
          })
        : null,
    })),
    candidates: report.candidates.map((c) => ({
      node: c.node,
      site: c.site,
      crossSite: c.crossSite,
      verdict: c.verdict,
      approvalsRequired: c.approvalsRequired,
      reasons: c.reasons,
      dataLoss: {
        bytes: c.dataLoss.bytes,
        seconds: c.dataLoss.seconds,
        unknownWindowSeconds: c.dataLoss.unknownWindowSeconds,
        worstCaseSeconds: c.dataLoss.worstCaseSeconds,
        windowCoveredBySync: c.dataLoss.windowCoveredBySync,
        basis: c.dataLoss.basis,
        exact: c.dataLoss.exact,
        finalLsn: c.dataLoss.finalLsn,
        proof: c.dataLoss.proof,
      },
      salvage: c.salvage,
      rpoBoundSeconds: c.rpoBoundSeconds,
      strictestContext: c.strictestContext,
      contexts: c.contexts,
      requiresAttestation: c.requiresAttestation,
      attestationText: attestationTextIfRequired(c, report.primary?.node),
      replayLsn: c.replayLsn,
      runbook: c.runbook,
    })),
    switchover: servedSwitchover(report),
    // display only (the worker lifts it at `until` in the database's time)
    maintenance: row ? maintenanceOf(row, new Date()) : null,
    openRequests: open.map((r) => ({
      id: r.id,
      kind: r.kind,
      candidate: r.candidate,
      status: r.status,
      automatic: r.automatic,
      requestedBy: r.requestedByLabel,
      requestedById: r.requestedById,
      reason: r.reason,
      approvalsRequired: r.approvalsRequired,
      approvals: r.approvals.filter((a) => !readApprovalRecord(a.observedLsns).lapsed).map((a) => ({ user: a.userLabel, userId: a.userId, at: a.at.toISOString() })),
      pendingReason: r.status === 'PENDING' && readSnapshot(r.verdict).lossGrew ? 'LOSS_GREW' : null,
      createdAt: r.createdAt.toISOString(),
      expiresAt: r.expiresAt.toISOString(),
    })),
  };
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
}

/**
 * The switchover verdicts as reads serve them: a report whose state is not HEALTHY/DEGRADED (a stale
 * read model serves UNKNOWN) blocks every switchover candidate too, with the failover candidates' first
 * blocking reason (READ_MODEL_STALE when stale). Reports stored before issue 15 have none: empty.
 */
function servedSwitchover(report: TSafetyReport): TSwitchoverReport {
  const s = report.switchover ?? { primary: null, maxLagBytes: 0, candidates: [] };
  if (report.state === 'HEALTHY' || report.state === 'DEGRADED') return s;
  const why = report.candidates.find((c) => c.reasons[0]?.effect === 'block')?.reasons[0];
  if (!why || s.candidates.every((c) => c.reasons.some((r) => r.code === why.code))) return s;
  return { ...s, primary: null, candidates: s.candidates.map((c) => ({ ...c, verdict: 'BLOCKED', reasons: [why, ...c.reasons] })) };
}
