import { db } from '@/lib/base/db';
import { fromDbRole, type TRole } from './roles';

export type TTokenView = { id: string; name: string; prefix: string; role: TRole; teams: string[]; createdBy: string; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null };

/** API tokens for the admin page: never the hash (the Prisma client omits it globally; selected fields only here too). */
export async function listApiTokens(): Promise<TTokenView[]> {
  const rows = await db.apiToken.findMany({
    orderBy: [{ revokedAt: { sort: 'asc', nulls: 'first' } }, { createdAt: 'desc' }],
    select: { id: true, name: true, prefix: true, role: true, teams: true, createdBy: true, createdAt: true, lastUsedAt: true, revokedAt: true },
  });
  return rows.map((r) => ({ ...r, role: fromDbRole(r.role) }));
}
