import { z } from 'zod';
import { db } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import { AppError, conflict, fieldErrors } from '@/lib/base/errors';
import type { TActor } from './actor';
import { hashPassword, ZPasswordPolicy } from './password';
import { fromDbRole, toDbRole, ZRole, type TRole } from './roles';
import { requireRole } from './session';
import { assertTeamsExist } from './tokens';

export const ZAddUserInput = z.strictObject({
  email: z.email('a valid email address').max(320).transform((e) => e.toLowerCase()),
  password: z
    .string({ error: `required: at least ${ZPasswordPolicy.min} characters` })
    .min(ZPasswordPolicy.min, `at least ${ZPasswordPolicy.min} characters`)
    .max(ZPasswordPolicy.max, `at most ${ZPasswordPolicy.max} characters`),
  role: ZRole,
  teams: z.array(z.string().min(1)).default([]),
  name: z.string().trim().max(200).optional(),
});
export type TAddUserInput = z.input<typeof ZAddUserInput>;
export type TUserView = { id: string; email: string; name: string | null; role: TRole; disabled: boolean; teams: string[]; createdAt: Date };

/** Admin: create a credentials user (audited; the password is stored only as a scrypt hash). */
export async function addUser(opts: { actor: TActor } & TAddUserInput): Promise<TUserView> {
  requireRole(opts.actor, 'admin');
  const { actor, ...raw } = opts;
  const parsed = ZAddUserInput.safeParse(raw);
  if (!parsed.success) throw new AppError('VALIDATION', `invalid user: ${fieldErrors(parsed.error.issues).map((f) => `${f.path}: ${f.message}`).join('; ')}`, { fields: fieldErrors(parsed.error.issues) });
  const input = parsed.data;
  const teams = [...new Set(input.teams)];
  const passwordHash = await hashPassword(input.password);
  return db.$transaction(async (tx) => {
    await assertTeamsExist(tx, teams);
    if (await tx.user.findUnique({ where: { email: input.email } })) throw conflict(`a user with email ${input.email} already exists`);
    const teamRows = await tx.team.findMany({ where: { name: { in: teams } } });
    const u = await tx.user.create({
      data: { email: input.email, name: input.name ?? null, passwordHash, role: toDbRole(input.role), memberships: { create: teamRows.map((t) => ({ teamId: t.id })) } },
    });
    await audit(tx, { actor, action: 'user.created', targetType: 'user', targetId: u.id, after: { email: u.email, role: input.role, teams } });
    return { id: u.id, email: u.email, name: u.name, role: input.role, disabled: u.disabled, teams, createdAt: u.createdAt };
  });
}

export async function listUsers(): Promise<TUserView[]> {
  const rows = await db.user.findMany({ orderBy: { email: 'asc' }, include: { memberships: { include: { team: true } } } });
  return rows.map((u) => ({
    id: u.id,
    email: u.email,
    name: u.name,
    role: fromDbRole(u.role),
    disabled: u.disabled,
    teams: u.memberships.map((m) => m.team.name).sort(),
    createdAt: u.createdAt,
  }));
}
