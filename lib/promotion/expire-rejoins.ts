// Expiry of rejoin requests (issue 15): a request nobody approved within VAKT_APPROVAL_TTL_MINUTES (the
// approval TTL promotions use; expiresAt is set when it is requested) ends EXPIRED with nothing executed,
// audited. The rejoin worker loop runs it before it looks for approved requests (rejoin-loop.ts).
import { db, dbNow } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import { systemActor } from '@/lib/auth/actor';
import { rejoinStep } from './request-rejoin';

/** Marks PENDING rejoin requests past their expiry EXPIRED; `at` defaults to Vakt's database now. Returns how many. */
export async function expireRejoins(at?: Date): Promise<number> {
  const now = at ?? (await dbNow());
  const step = JSON.stringify([rejoinStep('expire', 'ok', 'nobody approved it before it expired; nothing was executed', now)]);
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string; member: string }[]>`
      UPDATE "vakt"."RejoinRequest" SET "status" = 'EXPIRED', "outcome" = 'expired', "finishedAt" = ${now}, "steps" = "steps" || ${step}::jsonb, "updatedAt" = now()
       WHERE "id" IN (SELECT "id" FROM "vakt"."RejoinRequest" WHERE "status" = 'PENDING' AND "expiresAt" <= ${now} FOR UPDATE SKIP LOCKED)
      RETURNING "id", "member"`;
    for (const r of rows) await audit(tx, { actor: systemActor(), action: 'rejoin.expired', targetType: 'rejoin', targetId: r.id, before: { status: 'PENDING' }, after: { status: 'EXPIRED', member: r.member } });
    return rows.length;
  });
}
