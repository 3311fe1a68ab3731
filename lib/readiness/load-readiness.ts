// Readiness of a batch of contexts for the read model's worker (lib/readmodel/compute.ts): the live
// inputs it already gathered (lib/findings/load-live-findings.ts: observations, drills, sites) plus one
// query for the clusters' stored engine reports. A report older than VAKT_STALE_AFTER_MS counts as none
// (its answers read unknown, never healthy).
import { db } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import type { TSafetyReport } from '@/lib/safety/engine';
import type { TLiveFindingsInput } from '@/lib/findings/live-types';
import { computeReadiness, type TReadiness } from './readiness';

export async function computeReadinessBatch(live: Map<string, TLiveFindingsInput | null>, now: Date): Promise<Map<string, TReadiness | null>> {
  const names = [...new Set([...live.values()].flatMap((i) => i?.clusters.map((c) => c.name) ?? []))];
  const rows = names.length
    ? await db.$queryRawUnsafe<{ name: string; computedAt: Date; report: TSafetyReport | null }[]>(
        `SELECT c.name, r."computedAt", r.report FROM "vakt"."Cluster" c JOIN "vakt"."ClusterReadModel" r ON r."clusterId" = c.id WHERE c.name = ANY($1::text[])`,
        names,
      )
    : [];
  const staleMs = env().VAKT_STALE_AFTER_MS;
  const reports = new Map(rows.map((r) => [r.name, r.report && now.getTime() - r.computedAt.getTime() <= staleMs ? r.report : null]));
  return new Map([...live].map(([id, input]) => [id, input ? computeReadiness(input, reports) : null]));
}
