import type { TDbClient } from '@/lib/base/db';
import { auditHash, GENESIS_HASH } from './canonical';

export type TAuditVerifyResult =
  | { ok: true; rows: number; lastHash: string }
  | { ok: false; rows: number; badId: string; reason: string };

/** Walks the chain in id order; names the first row whose link or content does not match. */
export async function verifyAuditChain(db: TDbClient): Promise<TAuditVerifyResult> {
  let prev = GENESIS_HASH;
  let cursor: bigint | undefined;
  let rows = 0;
  for (;;) {
    const batch = await db.auditEvent.findMany({
      where: cursor === undefined ? {} : { id: { gt: cursor } },
      orderBy: { id: 'asc' },
      take: 1000,
    });
    if (batch.length === 0) break;
    for (const r of batch) {
      rows++;
      if (r.prevHash !== prev) return { ok: false, rows, badId: r.id.toString(), reason: 'prevHash does not link to the previous row (row inserted, deleted or reordered)' };
      const expected = auditHash(prev, {
        id: r.id,
        at: r.at,
        actorType: r.actorType,
        actorId: r.actorId,
        actorLabel: r.actorLabel,
        action: r.action,
        targetType: r.targetType,
        targetId: r.targetId,
        before: r.before ?? null,
        after: r.after ?? null,
      });
      if (expected !== r.hash) return { ok: false, rows, badId: r.id.toString(), reason: 'content does not match its hash (row altered)' };
      prev = r.hash;
      cursor = r.id;
    }
  }
  return { ok: true, rows, lastHash: prev };
}
