import { z } from 'zod';

// Roles and their order (docs/api.md "Roles"): viewer < service-owner < operator < admin.
export const ROLES = ['viewer', 'service-owner', 'operator', 'admin'] as const;
export const ZRole = z.enum(ROLES);
export type TRole = z.infer<typeof ZRole>;

const rank: Record<TRole, number> = { viewer: 0, 'service-owner': 1, operator: 2, admin: 3 };

/** Does `role` include everything `required` may do? (a linear order, as docs/api.md "Roles" states it) */
export function hasRole(role: TRole, required: TRole): boolean {
  return rank[role] >= rank[required];
}

/** May this actor write the declaration of a context owned by `ownerTeam`? */
export function canWriteContext(actor: { role: TRole; teams: readonly string[] }, ownerTeam: string): boolean {
  if (actor.role === 'admin') return true;
  // service owners (and operators, who rank above them) write only the contexts of their own teams
  return hasRole(actor.role, 'service-owner') && actor.teams.includes(ownerTeam);
}

// Database enum names cannot hold '-'.
export const toDbRole = (r: TRole) => (r === 'service-owner' ? 'service_owner' : r) as 'viewer' | 'service_owner' | 'operator' | 'admin';
export const fromDbRole = (r: string): TRole => (r === 'service_owner' ? 'service-owner' : (r as TRole));
