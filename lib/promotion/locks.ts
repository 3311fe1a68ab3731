// Row locks for the workflow: every state change of a promotion happens under its row lock, and
// requests for one cluster are serialised on the cluster row.
import type { TTransaction } from '@/lib/base/db';
import { notFound } from '@/lib/base/errors';

export async function lockCluster(tx: TTransaction, clusterId: string): Promise<{ id: string; epoch: number }> {
  const rows = await tx.$queryRaw<{ id: string; epoch: number }[]>`SELECT "id", "epoch" FROM "vakt"."Cluster" WHERE "id" = ${clusterId} FOR UPDATE`;
  if (!rows[0]) throw notFound('cluster');
  return rows[0];
}

/** SELECT … FOR UPDATE on one promotion; 404 when it does not exist. */
export async function lockPromotion(tx: TTransaction, id: string): Promise<void> {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "vakt"."PromotionRequest" WHERE "id" = ${id} FOR UPDATE`;
  if (!rows[0]) throw notFound(`promotion ${id}`);
}

/** SELECT … FOR UPDATE on one rejoin request of `member` in `cluster`, then the row; 404 when there is none. */
export async function lockRejoinRequest(tx: TTransaction, o: { cluster: string; member: string; id: string }) {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT r."id" FROM "vakt"."RejoinRequest" r JOIN "vakt"."Cluster" c ON c."id" = r."clusterId" WHERE r."id" = ${o.id} AND c."name" = ${o.cluster} AND r."member" = ${o.member} FOR UPDATE OF r`;
  if (!rows.length) throw notFound(`rejoin request ${o.id} of ${o.member}`);
  return tx.rejoinRequest.findUniqueOrThrow({ where: { id: o.id } });
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
