import { createHash } from 'node:crypto';

/** JSON with sorted keys, so a value hashes the same after a jsonb round trip. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object') {
    const keys = Object.keys(value as object)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort();
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson((value as Record<string, unknown>)[k])).join(',') + '}';
  }
  return JSON.stringify(value);
}

export const GENESIS_HASH = '0'.repeat(64);

export type TAuditHashInput = {
  id: bigint;
  at: Date;
  actorType: string;
  actorId: string | null;
  actorLabel: string;
  action: string;
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
};

export function auditHash(prevHash: string, row: TAuditHashInput): string {
  const body = canonicalJson({ ...row, id: row.id.toString(), at: row.at.toISOString() });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}
