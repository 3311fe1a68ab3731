import { db } from '@/lib/base/db';
import { notFound } from '@/lib/base/errors';
import { UUID_RE } from './locks';
import { readApprovalRecord } from './approval-binding';
import { readSnapshot, type TLossGrew } from './snapshot';
import { attestationTextIfRequired, exceedsRpo } from './rules';
import { maintenanceOf, type TMaintenance } from './maintenance';

export type TPromotionView = {
  id: string;
  cluster: string;
  candidate: string;
  status: string;
  automatic: boolean;
  /** failover | switchover (issue 15) */
  kind: string;
  /** switchover: what it measured and how it ended (null fields: not reached, or a failover) */
  switchover: { scheduledAt: string | null; windowEnd: string | null; lagAtStartBytes: number | null; finalLsn: string | null; writeGapMs: number | null; outcome: string | null } | null;
  reason: string;
  /** the cluster's maintenance mode now (the banner); null = none */
  maintenance: TMaintenance;
  requestedBy: string;
  requestedById: string | null;
  epochBefore: number;
  epochAfter: number | null;
  approvalsRequired: number;
  /** every approval row; `lapsed` ones (LOSS_GREW) no longer count; `dataLossBytes` = the estimate the approver was shown */
  approvals: Array<{ user: string; userId: string; at: string; verdict: string; expiresAt: string; dataLossBytes: number | null; lapsed: boolean }>;
  /** approvals that count (not lapsed) */
  approvalsGiven: number;
  /** why the request is PENDING again: LOSS_GREW (the numbers are in `lossGrew`) */
  pendingReason: 'LOSS_GREW' | null;
  /** the last time execution found the loss above what the approvals covered: both numbers */
  lossGrew: TLossGrew | null;
  steps: Array<{ name: string; status: string; at: string; detail: string | null }>;
  verdict: { verdict: string; state: string; reasons: Array<{ code: string; message: string }>; dataLoss: unknown; rpoBoundSeconds: number | null; oldPrimary: string | null };
  requiresAttestation: boolean;
  attestationText: string | null;
  exceedsRpo: boolean;
  estimatedLossBytes: number | null;
  acknowledgeDataLossBytes: number | null;
  attested: boolean;
  createdAt: string;
  expiresAt: string;
  finishedAt: string | null;
};

type TRow = Awaited<ReturnType<typeof load>>;
const load = (id: string) =>
  db.promotionRequest.findUnique({
    where: { id },
    include: { cluster: { select: { name: true, maintenanceReason: true, maintenanceUntil: true, maintenanceSince: true, maintenanceBy: true } }, approvals: { orderBy: { at: 'asc' } }, steps: { orderBy: { id: 'asc' } } },
  });

export function toView(r: NonNullable<TRow>): TPromotionView {
  const snap = readSnapshot(r.verdict);
  const c = snap.candidate;
  return {
    id: r.id,
    cluster: r.cluster.name,
    candidate: r.candidate,
    status: r.status,
    automatic: r.automatic,
    kind: r.kind,
    switchover:
      r.kind === 'switchover'
        ? { scheduledAt: r.scheduledAt?.toISOString() ?? null, windowEnd: r.windowEnd?.toISOString() ?? null, lagAtStartBytes: r.lagAtStartBytes, finalLsn: r.finalLsn, writeGapMs: r.writeGapMs, outcome: r.outcome }
        : null,
    reason: r.reason,
    maintenance: maintenanceOf(r.cluster, new Date()),
    requestedBy: r.requestedByLabel,
    requestedById: r.requestedById,
    epochBefore: r.epochBefore,
    epochAfter: r.epochAfter,
    approvalsRequired: r.approvalsRequired,
    approvals: r.approvals.map((a) => {
      const rec = readApprovalRecord(a.observedLsns);
      return { user: a.userLabel, userId: a.userId, at: a.at.toISOString(), verdict: a.verdict, expiresAt: a.expiresAt.toISOString(), dataLossBytes: rec.dataLossBytes ?? null, lapsed: Boolean(rec.lapsed) };
    }),
    approvalsGiven: r.approvals.filter((a) => !readApprovalRecord(a.observedLsns).lapsed).length,
    pendingReason: r.status === 'PENDING' && snap.lossGrew ? 'LOSS_GREW' : null,
    lossGrew: snap.lossGrew ?? null,
    steps: r.steps.map((s) => ({ name: s.name, status: s.status, at: s.at.toISOString(), detail: s.detail })),
    verdict: {
      verdict: c.verdict,
      state: snap.state,
      reasons: c.reasons.map(({ code, message }) => ({ code, message })),
      dataLoss: c.dataLoss,
      rpoBoundSeconds: c.rpoBoundSeconds,
      oldPrimary: snap.primary?.node ?? null,
    },
    requiresAttestation: c.requiresAttestation,
    attestationText: attestationTextIfRequired(c, snap.primary?.node),
    exceedsRpo: exceedsRpo(c),
    estimatedLossBytes: c.dataLoss.bytes,
    acknowledgeDataLossBytes: r.acknowledgeDataLossBytes,
    attested: r.attestation !== null,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

export async function getPromotion(id: string): Promise<TPromotionView> {
  if (!UUID_RE.test(id)) throw notFound(`promotion ${id}`);
  const r = await load(id);
  if (!r) throw notFound(`promotion ${id}`);
  return toView(r);
}
