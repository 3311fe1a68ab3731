// Loads from Vakt's database everything the verdict engine needs (members, latest and last good
// observations, epoch, effective declarations with class bounds, history). Shared by the promotion
// module (verdicts, execution) and telemetry reads (cluster state of the API, pages and metrics), so
// both judge a cluster from the same input. The engine itself (lib/safety) stays pure.
//
// One batch loader with a fixed number of queries whatever the number of clusters; the single-cluster
// loader is a batch of one.
import { db, type Prisma, type TDbClient, type TTransaction } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { notFound } from '@/lib/base/errors';
import { ZDeclarationSpec } from '@/lib/registry/declaration-schema';
import { evaluateCluster, type TContextPolicy, type TMemberInput, type TSafetyInput, type TSafetyReport } from '@/lib/safety/engine';
import { downSinceFromSamples, downTransitions, toMemberObservation } from './observation-mapping';
import { clusterKindFromDb } from '@/lib/pg/cluster-kind';

type TClient = TDbClient | TTransaction;

export type TLoadedMember = { id: string; name: string; site: string; agentUrl: string; agentTokenEnc: string | null };
export type TLoadedCluster = { id: string; name: string; kind: 'vakt-agent' | 'patroni'; epoch: number; members: TLoadedMember[] };
export type TEvaluation = { cluster: TLoadedCluster; input: TSafetyInput; report: TSafetyReport };

const FLAP_WINDOW_SECONDS = 600;

/** The cluster rows the loader starts from (callers that already read them pass them in). */
export const safetyClusterInclude = { members: { include: { site: true, observation: true }, orderBy: { name: 'asc' as const } } };
export type TClusterRow = Prisma.ClusterGetPayload<{ include: typeof safetyClusterInclude }>;
type TMemberRow = TClusterRow['members'][number];

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

/** Effective context policies per cluster id (two queries for any number of clusters). */
export async function loadContextPoliciesByCluster(client: TClient, clusterIds: string[]): Promise<Map<string, TContextPolicy[]>> {
  const out = new Map<string, TContextPolicy[]>(clusterIds.map((id) => [id, []]));
  if (!clusterIds.length) return out;
  const links = await client.clusterContext.findMany({
    where: { clusterId: { in: clusterIds } },
    include: { context: { include: { declarations: true } } },
  });
  const classes = links.length ? await client.recoveryClass.findMany({ select: { kind: true, name: true, boundSeconds: true } }) : [];
  const bound = (kind: 'RPO' | 'RTO', name: string) => classes.find((c) => c.kind === kind && c.name === name)?.boundSeconds ?? null;
  for (const { clusterId, context } of links) {
    const decl = context.declarations.find((d) => d.version === context.currentVersion);
    const parsed = decl ? ZDeclarationSpec.safeParse(decl.spec) : null;
    let policy: TContextPolicy;
    if (!parsed?.success) policy = undeclaredPolicy(context.slug);
    else {
      const s = parsed.data;
      policy = {
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
    }
    out.get(clusterId)?.push(policy);
  }
  return out;
}

export async function loadContextPolicies(client: TClient, clusterId: string): Promise<TContextPolicy[]> {
  return (await loadContextPoliciesByCluster(client, [clusterId])).get(clusterId) ?? [];
}

type TLastPromotion = { clusterId: string; candidate: string; epochAfter: number | null; finishedAt: Date | null; verdict: unknown; eventData: unknown };
/** Where the promotion's new timeline forked, as the executor recorded it on the `promotion` event (null = unknown). */
function forkOf(p: TLastPromotion): { forkLsn: string | null; previousTimeline: number | null; newTimeline: number | null } {
  const d = (p.eventData ?? {}) as { forkLsn?: unknown; previousTimeline?: unknown; newTimeline?: unknown };
  const int = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : null);
  return { forkLsn: typeof d.forkLsn === 'string' ? d.forkLsn : null, previousTimeline: int(d.previousTimeline), newTimeline: int(d.newTimeline) };
}
/** The primary a promotion replaced, as its verdict recorded it. */
const replacedNode = (p: TLastPromotion | null) => (p ? ((p.verdict as { primary?: { node?: string } | null } | null)?.primary?.node ?? null) : null);

/**
 * Engine inputs for many clusters with a fixed number of queries: pass `rows` (clusters with
 * members, sites and latest observations, as `safetyClusterInclude` loads them) or `ids`/`names`;
 * without either, every cluster. Results keep the order of the rows.
 */
export async function loadSafetyInputs(opts: { rows?: TClusterRow[]; ids?: string[]; names?: string[]; now?: Date; client?: TClient } = {}): Promise<
  Array<{ cluster: TLoadedCluster; input: TSafetyInput }>
> {
  const client = opts.client ?? db;
  const now = opts.now ?? new Date();
  const rows: TClusterRow[] =
    opts.rows ??
    (await client.cluster.findMany({
      where: opts.ids ? { id: { in: opts.ids } } : opts.names ? { name: { in: opts.names } } : {},
      include: safetyClusterInclude,
      orderBy: { name: 'asc' },
    }));
  if (!rows.length) return [];
  const clusterIds = rows.map((c) => c.id);
  const memberIds = rows.flatMap((c) => c.members.map((m) => m.id));

  // NodeLastGood is kept by the poller (same transaction as the observation it copies).
  // Sequential on purpose: the client may be an interactive transaction.
  const lastGoodRows = memberIds.length ? await client.nodeLastGood.findMany({ where: { memberId: { in: memberIds } } }) : [];
  const lastPromotions = await client.$queryRawUnsafe<TLastPromotion[]>(
    `SELECT p."clusterId", p."candidate", p."epochAfter", p."finishedAt", p."verdict", e."data" AS "eventData"
       FROM (SELECT DISTINCT ON ("clusterId") "id", "clusterId", "candidate", "epochAfter", "finishedAt", "verdict"
               FROM "vakt"."PromotionRequest"
              WHERE "clusterId" = ANY($1::text[]) AND "status" = 'COMPLETED'
              ORDER BY "clusterId", "finishedAt" DESC) p
       LEFT JOIN LATERAL (SELECT "data" FROM "vakt"."ClusterEvent"
                           WHERE "clusterId" = p."clusterId" AND "kind" = 'promotion' AND "data"->>'promotionId' = p."id"
                           ORDER BY "at" DESC LIMIT 1) e ON true`,
    clusterIds,
  );
  const policies = await loadContextPoliciesByCluster(client, clusterIds);
  const lastGood = new Map(lastGoodRows.map((g) => [g.memberId, g]));
  const lastGoodOf = (id: string) => lastGood.get(id) ?? null;
  const lastPromotionOf = new Map(lastPromotions.map((p) => [p.clusterId, p]));

  // History: the last completed promotion and the last member seen ok as primary.
  const expected = new Map<string, TMemberRow>();
  for (const c of rows) {
    const lastPromotion = lastPromotionOf.get(c.id) ?? null;
    const fromNode = replacedNode(lastPromotion);
    const primaries = c.members
      .map((m) => ({ m, g: lastGoodOf(m.id) }))
      .filter((x) => x.g?.role === 'primary' && x.m.name !== fromNode)
      .sort((a, b) => b.g!.observedAt.getTime() - a.g!.observedAt.getTime());
    let expectedMember = primaries[0]?.m ?? null;
    if (lastPromotion && (!primaries[0] || (lastPromotion.finishedAt && lastPromotion.finishedAt > primaries[0].g!.observedAt))) {
      expectedMember = c.members.find((m) => m.name === lastPromotion.candidate) ?? expectedMember;
    }
    if (expectedMember) expected.set(c.id, expectedMember);
  }
  const expectedIds = [...expected.values()].map((m) => m.id);
  const samples = expectedIds.length
    ? await client.observationSample.findMany({
        where: { memberId: { in: expectedIds }, at: { gte: new Date(now.getTime() - FLAP_WINDOW_SECONDS * 1000) } },
        select: { memberId: true, at: true, status: true, role: true },
        orderBy: { at: 'asc' },
      })
    : [];

  const e = env();
  return rows.map((c) => {
    const members: TMemberInput[] = c.members.map((m) => {
      const g = lastGoodOf(m.id);
      return {
        name: m.name,
        site: m.site.name,
        observation: m.observation ? toMemberObservation(m.observation) : null,
        lastGood: g ? toMemberObservation({ ...g, status: 'ok', lastOkAt: g.observedAt }) : null,
      };
    });
    const lastPromotion = lastPromotionOf.get(c.id) ?? null;
    const expectedMember = expected.get(c.id) ?? null;
    const fromNode = replacedNode(lastPromotion);
    let expectedPrimary: TSafetyInput['history']['expectedPrimary'] = null;
    let primaryDownSince: Date | null = null;
    let primaryDownEvents: Date[] = [];
    if (expectedMember) {
      const g = lastGoodOf(expectedMember.id);
      const asPrimary = g?.role === 'primary' ? g : null;
      const obs = expectedMember.observation;
      const lastSeenOk =
        [obs?.status === 'ok' && obs.role === 'primary' ? obs.observedAt : null, asPrimary?.observedAt ?? null]
          .filter((d): d is Date => d instanceof Date)
          .sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
      expectedPrimary = { node: expectedMember.name, timeline: asPrimary?.timeline ?? null, lastLsn: asPrimary?.lsn ?? null, lastSeenOkAt: lastSeenOk };
      const points = samples.filter((s) => s.memberId === expectedMember.id).map((s) => ({ at: s.at, ok: s.status === 'ok' && s.role === 'primary' }));
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
    const kind = clusterKindFromDb(c.kind);
    const input: TSafetyInput = {
      cluster: { name: c.name, kind, epoch: c.epoch },
      now,
      config: { staleAfterSeconds: e.VAKT_STALE_AFTER_MS / 1000, primaryDownForSeconds: e.VAKT_PRIMARY_DOWN_FOR_SECONDS },
      members,
      history: {
        expectedPrimary,
        primaryDownSince,
        primaryDownEvents,
        previousPromotion:
          lastPromotion && lastPromotion.epochAfter !== null
            ? { node: lastPromotion.candidate, fromNode, epoch: lastPromotion.epochAfter, at: lastPromotion.finishedAt, ...forkOf(lastPromotion) }
            : null,
      },
      contexts: policies.get(c.id) ?? [],
    };
    return {
      cluster: {
        id: c.id,
        name: c.name,
        kind,
        epoch: c.epoch,
        members: c.members.map((m) => ({ id: m.id, name: m.name, site: m.site.name, agentUrl: m.agentUrl, agentTokenEnc: m.agentTokenEnc })),
      },
      input,
    };
  });
}

/** Builds the engine input for one cluster from the database (404 when it does not exist). */
export async function loadSafetyInput(opts: { name?: string; id?: string; now?: Date; client?: TClient }): Promise<{ cluster: TLoadedCluster; input: TSafetyInput }> {
  const [one] = await loadSafetyInputs({ ...(opts.id ? { ids: [opts.id] } : { names: [opts.name ?? ''] }), now: opts.now, client: opts.client });
  if (!one) throw notFound(`cluster ${opts.name ?? opts.id}`);
  return one;
}

/** Loads and evaluates a cluster now. */
export async function evaluateClusterNow(opts: { name?: string; id?: string; now?: Date; client?: TClient }): Promise<TEvaluation> {
  const { cluster, input } = await loadSafetyInput(opts);
  return { cluster, input, report: evaluateCluster(input) };
}
