import { db, dbNow } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import { systemActor } from '@/lib/auth/actor';
import { isNotStarted } from './rules';

/**
 * Marks PENDING requests past their expiry, and APPROVED ones whose approvals expired before
 * execution, EXPIRED. `now` is Vakt's database now (read here unless the caller has it).
 */
export async function expirePromotions(at?: Date): Promise<number> {
  const now = at ?? (await dbNow());
  const due = await db.promotionRequest.findMany({
    where: { OR: [{ status: 'PENDING', expiresAt: { lte: now } }, { status: 'APPROVED', approvals: { some: { expiresAt: { lte: now } } } }] },
    select: { id: true },
  });
  let n = 0;
  for (const { id } of due) {
    await db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ status: string }[]>`SELECT "status"::text AS status FROM "vakt"."PromotionRequest" WHERE "id" = ${id} FOR UPDATE SKIP LOCKED`;
      if (!rows[0] || !isNotStarted(rows[0].status)) return;
      await tx.promotionRequest.update({ where: { id }, data: { status: 'EXPIRED', finishedAt: now } });
      await tx.promotionStep.create({ data: { promotionId: id, name: 'expire', status: 'ok', detail: 'the request or its approvals expired before execution' } });
      await audit(tx, { actor: systemActor(), action: 'promotion.expired', targetType: 'promotion', targetId: id, before: { status: rows[0].status }, after: { status: 'EXPIRED' } });
      n++;
    });
  }
  return n;
}
