import type { TTransaction } from '@/lib/base/db';
import { auditHash, GENESIS_HASH } from './canonical';
import type { TAuditActor } from './actor';

// Serialises audit appends so the hash chain is linear; held until the surrounding transaction ends.
const AUDIT_LOCK_KEY = 0x7661_6b74; // "vakt"

export type TAuditEntry = {
  actor: TAuditActor;
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
};

/** Append one audit row inside the caller's transaction (the change and its audit commit together). */
export async function audit(tx: TTransaction, entry: TAuditEntry) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`;
  const last = await tx.auditEvent.findFirst({ orderBy: { id: 'desc' }, select: { hash: true } });
  const prevHash = last?.hash ?? GENESIS_HASH;
  const [{ id }] = await tx.$queryRaw<{ id: bigint }[]>`SELECT nextval(pg_get_serial_sequence('"vakt"."AuditEvent"', 'id')) AS id`;
  const row = {
    id,
    at: new Date(),
    actorType: entry.actor.type,
    actorId: entry.actor.id,
    actorLabel: entry.actor.label,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId ?? null,
    before: toJson(entry.before),
    after: toJson(entry.after),
  };
  const hash = auditHash(prevHash, row);
  await tx.auditEvent.create({
    data: {
      ...row,
      before: row.before === null ? undefined : (row.before as object),
      after: row.after === null ? undefined : (row.after as object),
      prevHash,
      hash,
    },
  });
  return { id, hash };
}

function toJson(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x)));
}
