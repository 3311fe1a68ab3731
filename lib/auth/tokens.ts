import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { db, type TTransaction } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import { AppError, conflict, notFound } from '@/lib/base/errors';
import { type TActor } from './actor';
import { fromDbRole, toDbRole, ZRole } from './roles';

// API tokens: high-entropy random strings, shown once, stored as SHA-256 (a slow KDF adds nothing
// for 256 random bits and would slow every API call).
export const ZCreateTokenInput = z.object({
  name: z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits, . _ : - only'),
  role: ZRole,
  teams: z.array(z.string().min(1)).default([]),
});

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export async function createApiToken(opts: { actor: TActor; input: z.input<typeof ZCreateTokenInput> }) {
  const input = ZCreateTokenInput.parse(opts.input);
  const token = `vakt_${randomBytes(32).toString('base64url')}`;
  return db.$transaction(async (tx) => {
    await assertTeamsExist(tx, input.teams);
    if (await tx.apiToken.findUnique({ where: { name: input.name } })) throw conflict(`a token named ${input.name} already exists`);
    const row = await tx.apiToken.create({
      data: { name: input.name, prefix: token.slice(0, 12), tokenHash: hashToken(token), role: toDbRole(input.role), teams: input.teams, createdBy: opts.actor.label },
    });
    await audit(tx, { actor: opts.actor, action: 'token.created', targetType: 'token', targetId: row.name, after: { name: row.name, role: input.role, teams: input.teams, prefix: row.prefix } });
    return { token, name: row.name, role: input.role, teams: input.teams };
  });
}

export async function revokeApiToken(opts: { actor: TActor; name: string }) {
  return db.$transaction(async (tx) => {
    const row = await tx.apiToken.findUnique({ where: { name: opts.name } });
    if (!row) throw notFound(`token ${opts.name}`);
    if (row.revokedAt) return { name: row.name, revokedAt: row.revokedAt, alreadyRevoked: true };
    const updated = await tx.apiToken.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
    await audit(tx, { actor: opts.actor, action: 'token.revoked', targetType: 'token', targetId: row.name });
    return { name: row.name, revokedAt: updated.revokedAt, alreadyRevoked: false };
  });
}

/** Resolve a bearer token to an actor, recording its last use (at most once a minute). */
/** The token of an `Authorization: Bearer <token>` header; null for any other value. */
export function bearerToken(authorization: string): string | null {
  return /^Bearer\s+(\S+)$/i.exec(authorization)?.[1] ?? null;
}

export async function actorFromToken(token: string): Promise<TActor | null> {
  if (!/^vakt_[A-Za-z0-9_-]{20,}$/.test(token)) return null;
  const row = await db.apiToken.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!row || row.revokedAt) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  }
  return { type: 'token', id: row.id, label: `token:${row.name}`, role: fromDbRole(row.role), teams: row.teams };
}

export async function assertTeamsExist(tx: TTransaction, teams: string[]) {
  if (teams.length === 0) return;
  const found = await tx.team.findMany({ where: { name: { in: teams } }, select: { name: true } });
  const missing = teams.filter((t) => !found.some((f) => f.name === t));
  if (missing.length) {
    throw new AppError('VALIDATION', `unknown team: ${missing.join(', ')}`, { fields: missing.map((t) => ({ path: 'teams', message: `team ${t} does not exist` })) });
  }
}
