// Loads from Vakt's database everything the verdict engine needs (members, latest and last good
// observations, epoch, effective declarations with class bounds, history). Shared by the promotion
// module (verdicts, execution) and telemetry reads (cluster state of the API, pages and metrics), so
// both judge a cluster from the same input. The engine itself (lib/safety) stays pure.
//
// One batch loader with a fixed number of queries whatever the number of clusters; the single-cluster
// loader is a batch of one. The rules (expected primary, outage start, fork point, context policy) are
// pure functions in history.ts and context-policy.ts; this file only reads rows and calls them.
import { db, dbNow, type Prisma, type TDbClient, type TTransaction } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { notFound } from '@/lib/base/errors';
import { clusterKindFromDb, type TClusterKind } from '@/lib/pg';
import { evaluateCluster, type TContextPolicy, type TMemberInput, type TSafetyInput, type TSafetyReport } from '@/lib/safety/engine';
import { boundsOf, loadBindings } from '@/lib/registry/lifecycle-load';
import { contextPolicy } from './context-policy';
import { expectedPrimaryHistory, expectedPrimaryName, previousPromotion, replacedPrimaries, sampleWindowStart, stoppedPrimary, type TLastPromotion, type TSwitchoverStop } from './history';
import { toMemberObservation } from './observation-mapping';

type TClient = TDbClient | TTransaction;

export type TLoadedMember = {
  id: string;
  name: string;
  site: string;
  agentUrl: string;
  agentTokenEnc: string | null;
  /** Patroni members: the Vakt agent beside the member, when one is registered */
  fenceAgentUrl?: string | null;
  fenceAgentTokenEnc?: string | null;
};
export type TLoadedCluster = { id: string; name: string; kind: TClusterKind; epoch: number; members: TLoadedMember[] };
export type TEvaluation = { cluster: TLoadedCluster; input: TSafetyInput; report: TSafetyReport };

/** The cluster rows the loader starts from (callers that already read them pass them in). */
export const safetyClusterInclude = { members: { include: { site: true, observation: true }, orderBy: { name: 'asc' as const } } };
export type TClusterRow = Prisma.ClusterGetPayload<{ include: typeof safetyClusterInclude }>;

/** Effective context policies per cluster id (two queries for any number of clusters). */
export async function loadContextPoliciesByCluster(client: TClient, clusterIds: string[]): Promise<Map<string, TContextPolicy[]>> {
  const out = new Map<string, TContextPolicy[]>(clusterIds.map((id) => [id, []]));
  if (!clusterIds.length) return out;
  const links = await client.clusterContext.findMany({ where: { clusterId: { in: clusterIds } }, select: { clusterId: true, contextId: true, context: { select: { slug: true } } } });
  const classes = links.length ? await client.recoveryClass.findMany({ select: { kind: true, name: true, boundSeconds: true } }) : [];
  // what binds: the accepted declaration and the pending proposal, field by field the stricter
  const bindings = await loadBindings(client, links.map((l) => l.contextId), boundsOf(classes));
  for (const { clusterId, contextId, context } of links) {
    const b = bindings.get(contextId);
    const policy = contextPolicy(context.slug, b?.spec ?? null, classes);
    out.get(clusterId)?.push(b?.state === 'not-accepted' ? { ...policy, notAccepted: true } : policy);
  }
  return out;
}

/**
 * Engine inputs for many clusters with a fixed number of queries: pass `rows` (clusters with
 * members, sites and latest observations, as `safetyClusterInclude` loads them) or `ids`/`names`;
 * without either, every cluster. Results keep the order of the rows.
 */
export async function loadSafetyInputs(opts: { rows?: TClusterRow[]; ids?: string[]; names?: string[]; now?: Date; client?: TClient } = {}): Promise<
  Array<{ cluster: TLoadedCluster; input: TSafetyInput }>
> {
  const client = opts.client ?? db;
  // Vakt's database time drives every decision (never this process's clock)
  const now = opts.now ?? (await dbNow(client));
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
  // Every completed promotion (the last one is the engine's previousPromotion; all of them name the
  // replaced primaries), each with its `promotion` event. Newest first per cluster.
  const promotions = await client.$queryRawUnsafe<Array<TLastPromotion & { clusterId: string }>>(
    `SELECT p."clusterId", p."candidate", p."epochAfter", p."finishedAt", p."verdict", e."data" AS "eventData"
       FROM "vakt"."PromotionRequest" p
       LEFT JOIN LATERAL (SELECT "data" FROM "vakt"."ClusterEvent"
                           WHERE "clusterId" = p."clusterId" AND "kind" = 'promotion' AND "data"->>'promotionId' = p."id"
                           ORDER BY "at" DESC LIMIT 1) e ON true
      WHERE p."clusterId" = ANY($1::text[]) AND p."status" = 'COMPLETED'
      ORDER BY p."clusterId", p."finishedAt" DESC, p."createdAt" DESC`,
    clusterIds,
  );
  // Promotions whose promote call ended without saying whether it finished (promote step `unknown`
  // as the latest promote step of an EXECUTING request): the engine blocks CANDIDATE_PROMOTING.
  const promotingRows = await client.$queryRawUnsafe<Array<{ clusterId: string; id: string; candidate: string; since: Date }>>(
    `SELECT p."clusterId", p."id", p."candidate", s."at" AS "since"
       FROM "vakt"."PromotionRequest" p
       JOIN LATERAL (SELECT "status", "at" FROM "vakt"."PromotionStep"
                      WHERE "promotionId" = p."id" AND "name" = 'promote'
                      ORDER BY "id" DESC LIMIT 1) s ON s."status" = 'unknown'
      WHERE p."clusterId" = ANY($1::text[]) AND p."status" = 'EXECUTING'`,
    clusterIds,
  );
  // The latest planned switchover per cluster that proved its primary stopped (its `stop` step ok, the
  // database's time), still executing or completed: the engine's stoppedPrimary (history.ts).
  const stopRows = await client.$queryRawUnsafe<Array<TSwitchoverStop & { clusterId: string }>>(
    `SELECT DISTINCT ON (p."clusterId") p."clusterId", p."id", p."candidate", p."epochAfter", p."finalLsn", p."verdict", s."at" AS "stoppedAt"
       FROM "vakt"."PromotionRequest" p
       JOIN LATERAL (SELECT "at" FROM "vakt"."PromotionStep"
                      WHERE "promotionId" = p."id" AND "name" = 'stop' AND "status" = 'ok'
                      ORDER BY "id" DESC LIMIT 1) s ON true
      WHERE p."clusterId" = ANY($1::text[]) AND p."kind" = 'switchover' AND p."status" IN ('EXECUTING', 'COMPLETED')
      ORDER BY p."clusterId", s."at" DESC`,
    clusterIds,
  );
  const stopOf = new Map(stopRows.map((r) => [r.clusterId, r]));
  const promotingOf = new Map(promotingRows.map((r) => [r.clusterId, { node: r.candidate, since: r.since.toISOString(), promotionId: r.id }]));
  const policies = await loadContextPoliciesByCluster(client, clusterIds);
  const lastGood = new Map(lastGoodRows.map((g) => [g.memberId, g]));
  const lastGoodOf = (id: string) => lastGood.get(id) ?? null;
  const promotionsOf = new Map<string, TLastPromotion[]>();
  for (const p of promotions) promotionsOf.set(p.clusterId, [...(promotionsOf.get(p.clusterId) ?? []), p]);
  const lastPromotionOf = new Map([...promotionsOf].map(([id, ps]) => [id, ps[0]]));
  const replacedOf = new Map([...promotionsOf].map(([id, ps]) => [id, replacedPrimaries(ps)]));

  // History: the last completed promotion and the last member seen ok as primary (lib/safety/history.ts).
  const expected = new Map<string, TClusterRow['members'][number]>();
  for (const c of rows) {
    const name = expectedPrimaryName(
      c.members.map((m) => ({ name: m.name, lastGood: lastGoodOf(m.id) })),
      lastPromotionOf.get(c.id) ?? null,
      (replacedOf.get(c.id) ?? []).map((r) => r.node),
    );
    const member = c.members.find((m) => m.name === name);
    if (member) expected.set(c.id, member);
  }
  const expectedIds = [...expected.values()].map((m) => m.id);
  const samples = expectedIds.length
    ? await client.observationSample.findMany({
        where: { memberId: { in: expectedIds }, at: { gte: sampleWindowStart(now) } },
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
        observation: m.observation ? toMemberObservation(m.observation, m.name) : null,
        lastGood: g ? toMemberObservation({ ...g, status: 'ok', lastOkAt: g.observedAt }, m.name) : null,
      };
    });
    const expectedMember = expected.get(c.id) ?? null;
    const primary = expectedMember
      ? expectedPrimaryHistory({
          node: expectedMember.name,
          observation: expectedMember.observation,
          lastGood: lastGoodOf(expectedMember.id),
          samples: samples.filter((s) => s.memberId === expectedMember.id),
        })
      : { expectedPrimary: null, primaryDownSince: null, primaryDownEvents: [] };
    const kind = clusterKindFromDb(c.kind);
    const input: TSafetyInput = {
      cluster: { name: c.name, kind, epoch: c.epoch },
      now,
      config: { staleAfterSeconds: e.VAKT_STALE_AFTER_MS / 1000, primaryDownForSeconds: e.VAKT_PRIMARY_DOWN_FOR_SECONDS, maxClockSkewMs: e.VAKT_MAX_CLOCK_SKEW_MS },
      members,
      history: { ...primary, previousPromotion: previousPromotion(lastPromotionOf.get(c.id) ?? null), replacedPrimaries: replacedOf.get(c.id) ?? [], promoting: promotingOf.get(c.id) ?? null, stoppedPrimary: stoppedPrimary(stopOf.get(c.id)) },
      contexts: policies.get(c.id) ?? [],
    };
    return {
      cluster: {
        id: c.id,
        name: c.name,
        kind,
        epoch: c.epoch,
        members: c.members.map((m) => ({
          id: m.id,
          name: m.name,
          site: m.site.name,
          agentUrl: m.agentUrl,
          agentTokenEnc: m.agentTokenEnc,
          fenceAgentUrl: m.fenceAgentUrl,
          fenceAgentTokenEnc: m.fenceAgentTokenEnc,
        })),
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
