import { z } from 'zod';
import { db, type TTransaction } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import type { TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { AppError, fieldErrors, notFound } from '@/lib/base/errors';
import { getCluster, type TClusterView } from './read-clusters';

// docs/api.md "Changing a cluster": PATCH /api/v1/clusters/{name}. Today one field: the site where the
// cluster's pgBackRest repository lives (the region-loss scenario restores from it, lib/readiness).

/** A site name, or null = not declared (readiness then says the repository site is unknown). */
export const ZBackupRepositorySite = z.string().trim().min(1, 'a site name, or null').max(200).nullable();
export const ZUpdateClusterInput = z.strictObject({ backupRepositorySite: ZBackupRepositorySite.optional() });

const invalid = (fields: { path: string; message: string }[]) => new AppError('VALIDATION', `invalid cluster change: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, { fields });
/** ZUpdateClusterInput's issues -> the 422 of an invalid change. */
export const invalidClusterUpdate = (issues: readonly { path: readonly PropertyKey[]; message: string }[]) => invalid(fieldErrors(issues));

/** The 422 when `site` names no known site (registration and PATCH share it). */
export async function assertRepositorySite(tx: TTransaction, site: string | null | undefined, path = 'backupRepositorySite'): Promise<void> {
  if (site == null) return;
  if (!(await tx.site.findUnique({ where: { name: site }, select: { id: true } }))) throw invalid([{ path, message: `no site named ${site} (create it first)` }]);
}

/** Admin: change a cluster's settings (the repository site); audited in the same transaction. */
export async function updateCluster(opts: { actor: TActor; name: string; input: z.input<typeof ZUpdateClusterInput> }): Promise<TClusterView> {
  requireRole(opts.actor, 'admin');
  const parsed = ZUpdateClusterInput.safeParse(opts.input);
  if (!parsed.success) throw invalidClusterUpdate(parsed.error.issues);
  const input = parsed.data;
  await db.$transaction(async (tx) => {
    const c = await tx.cluster.findUnique({ where: { name: opts.name }, select: { id: true, backupRepositorySite: true } });
    if (!c) throw notFound(`cluster ${opts.name}`);
    if (input.backupRepositorySite === undefined || input.backupRepositorySite === c.backupRepositorySite) return;
    await assertRepositorySite(tx, input.backupRepositorySite);
    await tx.cluster.update({ where: { id: c.id }, data: { backupRepositorySite: input.backupRepositorySite } });
    await audit(tx, {
      actor: opts.actor,
      action: 'cluster.updated',
      targetType: 'cluster',
      targetId: opts.name,
      before: { backupRepositorySite: c.backupRepositorySite },
      after: { backupRepositorySite: input.backupRepositorySite },
    });
  });
  return getCluster(opts.name);
}
