import { readJson, withApi } from '@/lib/api/handler';
import { AppError } from '@/lib/base/errors';
import { createTeam, listTeams } from '@/lib/registry/teams';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer' }, async () => listTeams());
export const POST = withApi({ role: 'admin' }, async ({ actor, req }) => {
  const body = (await readJson(req)) as { name?: unknown };
  const extra = body && typeof body === 'object' ? Object.keys(body).filter((k) => k !== 'name') : [];
  if (extra.length) throw new AppError('VALIDATION', `unknown field: ${extra.join(', ')}`, { fields: extra.map((k) => ({ path: k, message: 'unknown field' })) });
  return Response.json(await createTeam({ actor, name: body?.name }), { status: 201 });
});
