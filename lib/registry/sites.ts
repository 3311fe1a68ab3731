import { z } from 'zod';
import { db } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import type { TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { AppError, conflict, fieldErrors } from '@/lib/base/errors';

export const ZCreateSiteInput = z.strictObject({
  name: z.string({ error: 'required: the site name, e.g. oslo' }).trim().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and "-", at most 63 characters'),
  region: z.string().trim().max(200, 'at most 200 characters').optional(),
});
export type TCreateSiteInput = z.input<typeof ZCreateSiteInput>;
export type TSite = { id: string; name: string; region: string | null; createdAt: Date; memberCount: number };

export async function listSites(): Promise<TSite[]> {
  const rows = await db.site.findMany({ orderBy: { name: 'asc' }, include: { _count: { select: { members: true } } } });
  return rows.map((s) => ({ id: s.id, name: s.name, region: s.region, createdAt: s.createdAt, memberCount: s._count.members }));
}

/** Admin: create a site; audited. `input` is checked against ZCreateSiteInput here too (server actions and tests pass raw values). */
export async function createSite(opts: { actor: TActor; input: TCreateSiteInput }): Promise<TSite> {
  requireRole(opts.actor, 'admin');
  const parsed = ZCreateSiteInput.safeParse(opts.input);
  if (!parsed.success) throw new AppError('VALIDATION', 'invalid site', { fields: fieldErrors(parsed.error.issues) });
  const input = parsed.data;
  return db.$transaction(async (tx) => {
    if (await tx.site.findUnique({ where: { name: input.name } })) throw conflict(`a site named ${input.name} already exists`);
    const s = await tx.site.create({ data: { name: input.name, region: input.region || null } });
    await audit(tx, { actor: opts.actor, action: 'site.created', targetType: 'site', targetId: s.name, after: { name: s.name, region: s.region } });
    return { id: s.id, name: s.name, region: s.region, createdAt: s.createdAt, memberCount: 0 };
  });
}
