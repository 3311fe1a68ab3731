import type { TAuditActor } from '@/lib/audit/actor';
import type { TRole } from './roles';

/** Who is acting: a signed-in person, an API token, or Vakt itself (worker, CLI); audited as its TAuditActor part. */
export type TActor = TAuditActor & {
  role: TRole;
  teams: string[];
  /** for users: when they last proved who they are, in seconds since the epoch (sign-in; for OIDC the provider's auth_time); step-up on OIDC accounts */
  authTime?: number;
  hasPassword?: boolean;
};

export const systemActor = (label = 'vakt-worker'): TActor => ({ type: 'system', id: null, label, role: 'admin', teams: [] });
export const cliActor = (): TActor => ({ type: 'cli', id: null, label: `cli:${process.env.USER ?? 'unknown'}`, role: 'admin', teams: [] });
