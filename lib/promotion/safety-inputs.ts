// Loads from Vakt's database everything the verdict engine needs for one cluster (members, latest and
// last good observations, epoch, effective declarations with class bounds, history) and shapes the
// safety API answer. The engine itself (lib/safety) stays pure.
import { db, type TDbClient, type TTransaction } from '@/lib/db';
import { env } from '@/lib/env';
import { notFound } from '@/lib/errors';
import { ZDeclarationSpec } from '@/lib/registry/declaration-schema';
import { evaluateCluster, type TContextPolicy, type TMemberInput, type TSafetyInput, type TSafetyReport } from '@/lib/safety';
import { downSinceFromSamples, downTransitions, toMemberObservation } from './observation-mapping';
import { rejoinInstructions, type TRejoinInstructions } from './rejoin-instructions';

type TClient = TDbClient | TTransaction;

export type TLoadedMember = { id: string; name: string; site: string; agentUrl: string; agentTokenEnc: string | null };
export type TLoadedCluster = { id: string; name: string; kind: 'vakt-agent' | 'patroni'; epoch: number; members: TLoadedMember[] };
export type TEvaluation = { cluster: TLoadedCluster; input: TSafetyInput; report: TSafetyReport };

const FLAP_WINDOW_SECONDS = 600;

/** Copies every member's latest ok observation into NodeLastGood (idempotent; newer wins). */
export async function refreshLastGood(client: TClient = db, clusterId?: string): Promise<void> {
  if (clusterId) {
    await client.$executeRaw`
      INSERT INTO "vakt"."NodeLastGood" ("memberId","observedAt","role","timeline","systemIdentifier","lsn","payload")
      SELECT o."memberId", o."observedAt", o."role", o."timeline", o."systemIdentifier", o."lsn", o."payload"
      FROM "vakt"."NodeObservation" o JOIN "vakt"."ClusterMember" m ON m."id" = o."memberId"
      WHERE o."status" = 'ok' AND m."clusterId" = ${clusterId}
      ON CONFLICT ("memberId") DO UPDATE SET "observedAt" = EXCLUDED."observedAt", "role" = EXCLUDED."role",
        "timeline" = EXCLUDED."timeline", "systemIdentifier" = EXCLUDED."systemIdentifier", "lsn" = EXCLUDED."lsn", "payload" = EXCLUDED."payload"
      WHERE "NodeLastGood"."observedAt" < EXCLUDED."observedAt"`;
  } else {
    await client.$executeRaw`
      INSERT INTO "vakt"."NodeLastGood" ("memberId","observedAt","role","timeline","systemIdentifier","lsn","payload")
      SELECT o."memberId", o."observedAt", o."role", o."timeline", o."systemIdentifier", o."lsn", o."payload"
      FROM "vakt"."NodeObservation" o WHERE o."status" = 'ok'
      ON CONFLICT ("memberId") DO UPDATE SET "observedAt" = EXCLUDED."observedAt", "role" = EXCLUDED."role",
        "timeline" = EXCLUDED."timeline", "systemIdentifier" = EXCLUDED."systemIdentifier", "lsn" = EXCLUDED."lsn", "payload" = EXCLUDED."payload"
      WHERE "NodeLastGood"."observedAt" < EXCLUDED."observedAt"`;
  }
}

/** A context without a readable declaration is judged by the strictest assumptions (fail closed). */
function undeclaredPolicy(slug: string): TContextPolicy {
  return {
    slug,
    rpoClass: '(undeclared)',
    rpoBoundSeconds: null,
    rtoClass: '(undeclared)',
    rtoBoundSeconds: null,
    crossSite: 'optional',
    failover: 'operator-approved',
    replication: { local: 'async', crossSite: 'async' },
    acceptedCrossSiteDataLossSeconds: null,
    approvalsRequired: 2,
    runbook: '',
  };
}

export async function loadContextPolicies(client: TClient, clusterId: string): Promise<TContextPolicy[]> {
  const links = await client.clusterContext.findMany({ where: { clusterId }, include: { context: { include: { declarations: true } } } });
  const classes = await client.recoveryClass.findMany({ select: { kind: true, name: true, boundSeconds: true } });
  const bound = (kind: 'RPO' | 'RTO', name: string) => classes.find((c) => c.kind === kind && c.name === name)?.boundSeconds ?? null;
  return links.map(({ context }) => {
    const decl = context.declarations.find((d) => d.version === context.currentVersion);
    const parsed = decl ? ZDeclarationSpec.safeParse(decl.spec) : null;
    if (!parsed?.success) return undeclaredPolicy(context.slug);
    const s = parsed.data;
    return {
      slug: context.slug,
      rpoClass: s.rpoClass,
      rpoBoundSeconds: bound('RPO', s.rpoClass),
      rtoClass: s.rtoClass,
      rtoBoundSeconds: bound('RTO', s.rtoClass),
      crossSite: s.crossSite,
      failover: s.failover,
      replication: s.replication,
      acceptedCrossSiteDataLossSeconds: s.acceptedCrossSiteDataLossSeconds ?? null,
      approvalsRequired: s.approvalsRequired,
      runbook: s.runbook,
    };
  });
}

async function findCluster(client: TClient, where: { name?: string; id?: string }) {
  const c = await client.cluster.findFirst({
    where: where.id ? { id: where.id } : { name: where.name },
    include: { members: { include: { site: true, observation: true }, orderBy: { name: 'asc' } } },
  });
  if (!c) throw notFound(`cluster ${where.name ?? where.id}`);
  return c;
}

/** Builds the engine input for a cluster from the database. */
export async function loadSafetyInput(opts: { name?: string; id?: string; now?: Date; client?: TClient }): Promise<{ cluster: TLoadedCluster; input: TSafetyInput }> {
  const client = opts.client ?? db;
  const now = opts.now ?? new Date();
  const found = await findCluster(client, opts);
  await refreshLastGood(client, found.id);
  const lastGood = await client.nodeLastGood.findMany({ where: { memberId: { in: found.members.map((m) => m.id) } } });
  const lastGoodOf = (id: string) => lastGood.find((g) => g.memberId === id) ?? null;

  const members: TMemberInput[] = found.members.map((m) => {
    const g = lastGoodOf(m.id);
    return {
      name: m.name,
      site: m.site.name,
      observation: m.observation ? toMemberObservation(m.observation) : null,
      lastGood: g ? toMemberObservation({ ...g, status: 'ok', lastOkAt: g.observedAt }) : null,
    };
  });

  // History: the last completed promotion and the last member seen ok as primary.
  const lastPromotion = await client.promotionRequest.findFirst({
    where: { clusterId: found.id, status: 'COMPLETED' },
    orderBy: { finishedAt: 'desc' },
    select: { candidate: true, epochAfter: true, finishedAt: true, verdict: true },
  });
  const fromNode = lastPromotion ? ((lastPromotion.verdict as { primary?: { node?: string } | null })?.primary?.node ?? null) : null;
  const primaries = found.members
    .map((m) => ({ m, g: lastGoodOf(m.id) }))
    .filter((x) => x.g?.role === 'primary' && x.m.name !== fromNode)
    .sort((a, b) => b.g!.observedAt.getTime() - a.g!.observedAt.getTime());
  let expectedMember = primaries[0]?.m ?? null;
  if (lastPromotion && (!primaries[0] || (lastPromotion.finishedAt && lastPromotion.finishedAt > primaries[0].g!.observedAt))) {
    expectedMember = found.members.find((m) => m.name === lastPromotion.candidate) ?? expectedMember;
  }
  let expectedPrimary: TSafetyInput['history']['expectedPrimary'] = null;
  let primaryDownSince: Date | null = null;
  let primaryDownEvents: Date[] = [];
  if (expectedMember) {
    const g = lastGoodOf(expectedMember.id);
    const asPrimary = g?.role === 'primary' ? g : null;
    const obs = expectedMember.observation;
    const lastSeenOk = [obs?.status === 'ok' && obs.role === 'primary' ? obs.observedAt : null, asPrimary?.observedAt ?? null]
      .filter((d): d is Date => d instanceof Date)
      .sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
    expectedPrimary = { node: expectedMember.name, timeline: asPrimary?.timeline ?? null, lastLsn: asPrimary?.lsn ?? null, lastSeenOkAt: lastSeenOk };
    const samples = await client.observationSample.findMany({
      where: { memberId: expectedMember.id, at: { gte: new Date(now.getTime() - FLAP_WINDOW_SECONDS * 1000) } },
      select: { at: true, status: true, role: true },
      orderBy: { at: 'asc' },
    });
    const points = samples.map((s) => ({ at: s.at, ok: s.status === 'ok' && s.role === 'primary' }));
    primaryDownEvents = downTransitions(points);
    const healthy = obs?.status === 'ok' && obs.role === 'primary';
    if (!healthy) {
      // No samples after the last ok: the outage began no earlier than the latest not-ok observation (conservative).
      const fallback = obs ? obs.observedAt : null;
      primaryDownSince = downSinceFromSamples(
        points.filter((p) => !lastSeenOk || p.at > lastSeenOk || p.ok),
        fallback,
      );
    }
  }

  const e = env();
  const input: TSafetyInput = {
    cluster: { name: found.name, kind: found.kind === 'patroni' ? 'patroni' : 'vakt-agent', epoch: found.epoch },
    now,
    config: { staleAfterSeconds: e.VAKT_STALE_AFTER_MS / 1000, primaryDownForSeconds: e.VAKT_PRIMARY_DOWN_FOR_SECONDS },
    members,
    history: {
      expectedPrimary,
      primaryDownSince,
      primaryDownEvents,
      previousPromotion:
        lastPromotion && lastPromotion.epochAfter !== null
          ? { node: lastPromotion.candidate, fromNode, epoch: lastPromotion.epochAfter, at: lastPromotion.finishedAt }
          : null,
    },
    contexts: await loadContextPolicies(client, found.id),
  };
  return {
    cluster: {
      id: found.id,
      name: found.name,
      kind: input.cluster.kind,
      epoch: found.epoch,
      members: found.members.map((m) => ({ id: m.id, name: m.name, site: m.site.name, agentUrl: m.agentUrl, agentTokenEnc: m.agentTokenEnc })),
    },
    input,
  };
}

/** Loads and evaluates a cluster now. */
export async function evaluateClusterNow(opts: { name?: string; id?: string; now?: Date; client?: TClient }): Promise<TEvaluation> {
  const { cluster, input } = await loadSafetyInput(opts);
  return { cluster, input, report: evaluateCluster(input) };
}

// ---------------------------------------------------------------- the safety API answer

export type TSafetyCandidate = {
  node: string;
  site: string;
  crossSite: boolean;
  verdict: 'SAFE' | 'GATED' | 'MANUAL' | 'BLOCKED';
  approvalsRequired: number;
  reasons: Array<{ code: string; message: string; effect: string }>;
  dataLoss: { bytes: number | null; seconds: number | null; unknownWindowSeconds: number | null; worstCaseSeconds: number | null; windowCoveredBySync: boolean };
  rpoBoundSeconds: number | null;
  strictestContext: string | null;
  contexts: Array<{ slug: string; rpoBoundSeconds: number | null; withinRpo: boolean | null }>;
  requiresAttestation: boolean;
  attestationText: string | null;
  replayLsn: string | null;
  runbook: string | null;
};

export type TOpenRequest = {
  id: string;
  candidate: string;
  status: string;
  automatic: boolean;
  requestedBy: string;
  requestedById: string | null;
  reason: string;
  approvalsRequired: number;
  approvals: Array<{ user: string; userId: string; at: string }>;
  createdAt: string;
  expiresAt: string;
};

export type TClusterSafety = {
  cluster: string;
  kind: 'vakt-agent' | 'patroni';
  state: TSafetyReport['state'];
  epoch: number;
  evaluatedAt: string;
  primary: TSafetyReport['primary'];
  alarms: TSafetyReport['alarms'];
  fenceTarget: string | null;
  needsRebuild: Array<{ node: string; reason: string; rejoin: TRejoinInstructions | null }>;
  candidates: TSafetyCandidate[];
  openRequests: TOpenRequest[];
};

/** The attestation an approver must type when the old primary cannot be fenced by Vakt. */
export const attestationTextFor = (oldPrimary: string | null | undefined) => (oldPrimary ? `fenced ${oldPrimary}` : null);

export const OPEN_STATUSES = ['PENDING', 'APPROVED', 'EXECUTING'] as const;

export async function getClusterSafety(name: string, opts: { now?: Date } = {}): Promise<TClusterSafety> {
  const { cluster, report } = await evaluateClusterNow({ name, now: opts.now });
  const open = await db.promotionRequest.findMany({
    where: { clusterId: cluster.id, status: { in: [...OPEN_STATUSES] } },
    include: { approvals: { orderBy: { at: 'asc' } } },
    orderBy: { createdAt: 'desc' },
  });
  const currentPrimary = report.state === 'HEALTHY' || report.state === 'DEGRADED' ? report.primary?.node ?? null : null;
  const sourceMember = cluster.members.find((m) => m.name === currentPrimary);
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
      rejoin: sourceMember ? rejoinInstructions({ node: n.node, source: { node: sourceMember.name, host: hostOf(sourceMember.agentUrl) } }) : null,
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
      },
      rpoBoundSeconds: c.rpoBoundSeconds,
      strictestContext: c.strictestContext,
      contexts: c.contexts,
      requiresAttestation: c.requiresAttestation,
      attestationText: c.requiresAttestation ? attestationTextFor(report.primary?.node) : null,
      replayLsn: c.replayLsn,
      runbook: c.runbook,
    })),
    openRequests: open.map((r) => ({
      id: r.id,
      candidate: r.candidate,
      status: r.status,
      automatic: r.automatic,
      requestedBy: r.requestedByLabel,
      requestedById: r.requestedById,
      reason: r.reason,
      approvalsRequired: r.approvalsRequired,
      approvals: r.approvals.map((a) => ({ user: a.userLabel, userId: a.userId, at: a.at.toISOString() })),
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
