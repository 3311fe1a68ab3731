// The bounds a cluster's backup and drill charts draw (the backups page): the effective RTO bound of
// the contexts it holds (from the stored view's policy, lib/findings/cluster-policy.ts) and the
// strictest full-backup interval their current declarations ask for. One query.
import { db } from '@/lib/base/db';

export type TClusterBounds = { rtoBoundSeconds: number | null; fullIntervalHours: number | null };

export async function readClusterBounds(name: string): Promise<TClusterBounds> {
  const rows = await db.$queryRawUnsafe<Array<{ rto: number | null; hours: number | null }>>(
    `SELECT (r."view"->'policy'->'effective'->'rto'->>'boundSeconds')::float8 AS rto,
            (SELECT min((d.spec->'backup'->>'fullIntervalHours')::float8)
               FROM "vakt"."ClusterContext" cc JOIN "vakt"."BoundedContext" b ON b.id = cc."contextId"
               JOIN "vakt"."Declaration" d ON d."contextId" = b.id AND d.version = b."currentVersion"
              WHERE cc."clusterId" = c.id) AS hours
       FROM "vakt"."Cluster" c LEFT JOIN "vakt"."ClusterReadModel" r ON r."clusterId" = c.id WHERE c.name = $1`,
    name,
  );
  return { rtoBoundSeconds: rows[0]?.rto ?? null, fullIntervalHours: rows[0]?.hours ?? null };
}
