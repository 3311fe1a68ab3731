import { z } from 'zod';
import { db, type TTransaction } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import type { TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { AppError, conflict, fieldErrors } from '@/lib/base/errors';
import { TEAM_NAME_RE } from './declaration-schema';

export const ZTeamName = z.string({ error: 'required: the team name' }).trim().regex(TEAM_NAME_RE, 'letters, digits, ".", "_" and "-", at most 63 characters');
/** POST /api/v1/teams `{name}`: anything but an object is read as one without a name (an array's indexes are its keys). */
export const ZCreateTeamBody = z.preprocess(
  (v) => (Array.isArray(v) ? { ...v } : v !== null && typeof v === 'object' ? v : {}),
  z.strictObject({ name: ZTeamName }),
);
/** An invalid team -> 422: unknown fields are named first; else the name's error, reported on `name`. */
export function invalidTeam(issues: readonly z.core.$ZodIssue[]): AppError {
  const extra = issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys : []));
  if (extra.length) return new AppError('VALIDATION', `unknown field: ${extra.join(', ')}`, { fields: extra.map((k) => ({ path: k, message: 'unknown field' })) });
  return new AppError('VALIDATION', 'invalid team', { fields: fieldErrors(issues.map((i) => ({ ...i, path: ['name'] }))) });
}
export type TTeam = { id: string; name: string; createdAt: Date; memberCount: number; contextCount: number };

export async function listTeams(): Promise<TTeam[]> {
  const rows = await db.team.findMany({ orderBy: { name: 'asc' }, include: { _count: { select: { members: true, contexts: true } } } });
  return rows.map((t) => ({ id: t.id, name: t.name, createdAt: t.createdAt, memberCount: t._count.members, contextCount: t._count.contexts }));
}

/** Inside a transaction: create a team row and its audit row (used by createTeam and by an admin's apply). */
export async function insertTeam(tx: TTransaction, actor: TActor, name: string) {
  const t = await tx.team.create({ data: { name } });
  await audit(tx, { actor, action: 'team.created', targetType: 'team', targetId: t.name, after: { name: t.name } });
  return t;
}

/** Admin: create a team; audited. `name` is checked against ZTeamName here too (server actions and the CLI pass what was typed). */
export async function createTeam(opts: { actor: TActor; name: string }): Promise<TTeam> {
  requireRole(opts.actor, 'admin');
  const parsed = ZTeamName.safeParse(opts.name);
  if (!parsed.success) throw invalidTeam(parsed.error.issues);
  const name = parsed.data;
  return db.$transaction(async (tx) => {
    if (await tx.team.findUnique({ where: { name } })) throw conflict(`a team named ${name} already exists`);
    const t = await insertTeam(tx, opts.actor, name);
    return { id: t.id, name: t.name, createdAt: t.createdAt, memberCount: 0, contextCount: 0 };
  });
}
