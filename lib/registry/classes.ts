import { z } from 'zod';
import { db, type TTransaction } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import { systemActor, type TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { AppError, conflict, fieldErrors, notFound } from '@/lib/base/errors';
import { classCatalogFrom, type TClassCatalog } from './class-catalog';

export type TClassKind = 'RPO' | 'RTO';
export type TClass = { id: string; kind: TClassKind; name: string; boundSeconds: number | null; description: string | null; sortOrder: number };

/** docs/api.md "Declarations" (the default class catalog) (installed on a fresh database; admins may rename, re-bound or unset). */
export const DEFAULT_CLASSES: readonly Omit<TClass, 'id'>[] = [
  { kind: 'RPO', name: 'RPO-0', boundSeconds: 0, description: 'No committed transaction may be lost', sortOrder: 0 },
  { kind: 'RPO', name: 'RPO-1', boundSeconds: 5, description: 'At most 5 seconds of committed data lost', sortOrder: 1 },
  { kind: 'RPO', name: 'RPO-2', boundSeconds: 60, description: 'At most 1 minute of committed data lost', sortOrder: 2 },
  { kind: 'RPO', name: 'RPO-3', boundSeconds: 15 * 60, description: 'At most 15 minutes of committed data lost', sortOrder: 3 },
  { kind: 'RPO', name: 'RPO-4', boundSeconds: 24 * 3600, description: 'At most 24 hours of committed data lost', sortOrder: 4 },
  { kind: 'RTO', name: 'RTO-1', boundSeconds: 60, description: 'Back within 1 minute', sortOrder: 0 },
  { kind: 'RTO', name: 'RTO-2', boundSeconds: 15 * 60, description: 'Back within 15 minutes', sortOrder: 1 },
  { kind: 'RTO', name: 'RTO-3', boundSeconds: 4 * 3600, description: 'Back within 4 hours', sortOrder: 2 },
  { kind: 'RTO', name: 'RTO-4', boundSeconds: 24 * 3600, description: 'Back within 24 hours', sortOrder: 3 },
];

/** Installs the default catalog, only when the catalog is empty. Returns how many classes it installed. */
export async function ensureDefaultClasses(tx?: TTransaction): Promise<number> {
  if ((await (tx ?? db).recoveryClass.count()) > 0) return 0;
  const run = async (tx: TTransaction) => {
    if ((await tx.recoveryClass.count()) > 0) return 0;
    const r = await tx.recoveryClass.createMany({ data: DEFAULT_CLASSES.map((c) => ({ ...c })), skipDuplicates: true });
    if (r.count > 0) await audit(tx, { actor: systemActor('vakt'), action: 'classes.defaults_installed', targetType: 'class', after: DEFAULT_CLASSES });
    return r.count;
  };
  // inside a caller's transaction we use it; else our own (the audit row needs one)
  return tx ? run(tx) : db.$transaction(run);
}

const toClass = (r: { id: string; kind: string; name: string; boundSeconds: number | null; description: string | null; sortOrder: number }): TClass => ({
  id: r.id,
  kind: r.kind as TClassKind,
  name: r.name,
  boundSeconds: r.boundSeconds,
  description: r.description,
  sortOrder: r.sortOrder,
});

export async function listClasses(): Promise<{ rpo: TClass[]; rto: TClass[] }> {
  await ensureDefaultClasses();
  const rows = await db.recoveryClass.findMany({ orderBy: [{ kind: 'asc' }, { sortOrder: 'asc' }, { name: 'asc' }] });
  const all = rows.map(toClass);
  return { rpo: all.filter((c) => c.kind === 'RPO'), rto: all.filter((c) => c.kind === 'RTO') };
}

export async function getClassCatalog(tx?: TTransaction): Promise<TClassCatalog> {
  await ensureDefaultClasses(tx);
  const rows = await (tx ?? db).recoveryClass.findMany({ select: { kind: true, name: true, boundSeconds: true } });
  return classCatalogFrom(rows.map((r) => ({ kind: r.kind as TClassKind, name: r.name, boundSeconds: r.boundSeconds })));
}

export const ZUpdateClassInput = z.strictObject({
  name: z.string().trim().min(1, 'required').max(64, 'at most 64 characters').regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-"').optional(),
  boundSeconds: z
    .number({ error: 'a whole number of seconds, or null to leave the bound unset' })
    .int('a whole number of seconds')
    .min(0, 'must be 0 or more')
    .max(366 * 24 * 3600, 'at most one year')
    .nullable(),
  description: z.string().trim().max(500, 'at most 500 characters').nullable().optional(),
});
export type TUpdateClassInput = z.input<typeof ZUpdateClassInput>;

/** Admin: rename, re-bound or unset a class. Declarations refer to classes by name: a rename makes them UNKNOWN_*_CLASS until updated. */
/** `input` is checked against ZUpdateClassInput here too (the server action and scripts pass raw values). */
export async function updateClass(opts: { actor: TActor; id: string; input: TUpdateClassInput }): Promise<TClass> {
  requireRole(opts.actor, 'admin');
  const parsed = ZUpdateClassInput.safeParse(opts.input);
  if (!parsed.success) throw new AppError('VALIDATION', 'invalid class', { fields: fieldErrors(parsed.error.issues) });
  const input = parsed.data;
  return db.$transaction(async (tx) => {
    const before = await tx.recoveryClass.findUnique({ where: { id: opts.id } });
    if (!before) throw notFound(`class ${opts.id}`);
    if (input.name && input.name !== before.name) {
      const dup = await tx.recoveryClass.findUnique({ where: { kind_name: { kind: before.kind, name: input.name } } });
      if (dup) throw conflict(`a ${before.kind} class named ${input.name} already exists`);
    }
    const row = await tx.recoveryClass.update({
      where: { id: opts.id },
      data: {
        ...(input.name ? { name: input.name } : {}),
        boundSeconds: input.boundSeconds,
        ...(input.description !== undefined ? { description: input.description } : {}),
      },
    });
    await audit(tx, {
      actor: opts.actor,
      action: 'class.updated',
      targetType: 'class',
      targetId: row.id,
      before: { kind: before.kind, name: before.name, boundSeconds: before.boundSeconds, description: before.description },
      after: { kind: row.kind, name: row.name, boundSeconds: row.boundSeconds, description: row.description },
    });
    return toClass(row);
  });
}
