import { z } from 'zod';
import { db } from '@/lib/base/db';
import { AppError, fieldErrors } from '@/lib/base/errors';

export const ZListAuditQuery = z.strictObject({
  action: z.string().trim().max(100).optional(),
  actor: z.string().trim().max(320).optional(),
  targetType: z.string().trim().max(100).optional(),
  targetId: z.string().trim().max(200).optional(),
  from: z.coerce.date({ error: 'an ISO date or date-time' }).optional(),
  to: z.coerce.date({ error: 'an ISO date or date-time' }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().regex(/^\d{1,19}$/, 'an audit event id (the nextCursor of the previous page)').optional(),
});
export type TListAuditQuery = z.input<typeof ZListAuditQuery>;
/** The query as a form or URL sends it: an empty value is an absent filter. */
export const ZListAuditSearch = z.preprocess(
  (q) => (q && typeof q === 'object' ? Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined && v !== '')) : q),
  ZListAuditQuery,
);
export const invalidAuditQuery = (issues: readonly { path: readonly PropertyKey[]; message: string }[]) =>
  new AppError('VALIDATION', 'invalid audit query', { fields: fieldErrors(issues) });

export type TAuditEventView = {
  id: string;
  at: Date;
  actorType: string;
  actorLabel: string;
  action: string;
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
  hash: string;
};

/**
 * Audit events, newest first. `action` matches exactly or as a prefix ending in "." (e.g. "declaration."),
 * `actor` is a case-insensitive substring of the actor label; `before` is the cursor (the id to continue below).
 */
export async function listAudit(query: TListAuditQuery = {}): Promise<{ events: TAuditEventView[]; nextCursor: string | null }> {
  const parsed = ZListAuditSearch.safeParse(query);
  if (!parsed.success) throw invalidAuditQuery(parsed.error.issues);
  const q = parsed.data;
  const rows = await db.auditEvent.findMany({
    where: {
      ...(q.action ? (q.action.endsWith('.') ? { action: { startsWith: q.action } } : { action: q.action }) : {}),
      ...(q.actor ? { actorLabel: { contains: q.actor, mode: 'insensitive' as const } } : {}),
      ...(q.targetType ? { targetType: q.targetType } : {}),
      ...(q.targetId ? { targetId: q.targetId } : {}),
      ...(q.from || q.to ? { at: { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lte: q.to } : {}) } } : {}),
      ...(q.before ? { id: { lt: BigInt(q.before) } } : {}),
    },
    orderBy: { id: 'desc' },
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  return {
    events: page.map((r) => ({
      id: r.id.toString(),
      at: r.at,
      actorType: r.actorType,
      actorLabel: r.actorLabel,
      action: r.action,
      targetType: r.targetType,
      targetId: r.targetId,
      before: r.before,
      after: r.after,
      hash: r.hash,
    })),
    nextCursor: rows.length > q.limit ? page[page.length - 1].id.toString() : null,
  };
}
