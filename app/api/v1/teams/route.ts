import { z } from 'zod';
import { withApi } from '@/lib/api/handler';
import { AppError, fieldErrors } from '@/lib/base/errors';
import { createTeam, listTeams, ZTeamName } from '@/lib/registry/teams';

export const dynamic = 'force-dynamic';

// {name}: anything but an object is read as one without a name (an array's indexes are its keys).
const ZCreateTeamBody = z.preprocess(
  (v) => (Array.isArray(v) ? { ...v } : v !== null && typeof v === 'object' ? v : {}),
  z.strictObject({ name: ZTeamName }),
);
/** Unknown fields are named first; else the name's error, reported on `name`. */
function invalidTeam(issues: readonly z.core.$ZodIssue[]): AppError {
  const extra = issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys : []));
  if (extra.length) return new AppError('VALIDATION', `unknown field: ${extra.join(', ')}`, { fields: extra.map((k) => ({ path: k, message: 'unknown field' })) });
  return new AppError('VALIDATION', 'invalid team', { fields: fieldErrors(issues.map((i) => ({ ...i, path: ['name'] }))) });
}

export const GET = withApi({ role: 'viewer' }, async () => listTeams());
export const POST = withApi({ role: 'admin', body: ZCreateTeamBody, invalid: invalidTeam }, async ({ actor, body }) =>
  Response.json(await createTeam({ actor, name: body.name }), { status: 201 }),
);
