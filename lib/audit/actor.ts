// Who an audit row names as having acted (docs/architecture.md): the audit trail needs only this.
// lib/auth's TActor (role, teams, ...) extends it, so auth depends on audit and never the reverse.
export const ACTOR_TYPES = ['user', 'token', 'system', 'cli'] as const;
export type TActorType = (typeof ACTOR_TYPES)[number];

export type TAuditActor = {
  type: TActorType;
  id: string | null;
  label: string;
};
