// Setup for integration tests that register clusters and poll them. The test files share one
// database: sites may already exist, and before polling a test makes only its own cluster's members
// due (and free of leases), so other files' clusters stay out of the poller's way.
import { db } from '@/lib/base/db';
import { systemActor } from '@/lib/auth/actor';
import { createSite } from '@/lib/registry/sites';

/** The sites exist: created through the use case, or already there (from another test file). */
export async function ensureSites(...names: string[]): Promise<void> {
  for (const name of names) await createSite({ actor: systemActor(), input: { name } }).catch(() => undefined);
}

/** Only the members of the cluster named `cluster` (or of every cluster whose name is LIKE `like`) are due now; all others in a day. */
export async function onlyDue(cluster: string | { like: string }): Promise<void> {
  const [match, value] = typeof cluster === 'string' ? ['= $1', cluster] : ['LIKE $1', cluster.like];
  await db.$executeRawUnsafe(
    `UPDATE "vakt"."ClusterMember" SET "nextPollAt" = CASE WHEN "clusterId" IN (SELECT id FROM "vakt"."Cluster" WHERE name ${match}) THEN now() ELSE now() + interval '1 day' END, "leaseUntil" = NULL, "leaseOwner" = NULL`,
    value,
  );
}
