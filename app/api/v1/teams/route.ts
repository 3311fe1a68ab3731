import { withApi } from '@/lib/api/handler';
import { createTeam, invalidTeam, listTeams, ZCreateTeamBody } from '@/lib/registry/teams';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer' }, async () => listTeams());
export const POST = withApi({ role: 'admin', body: ZCreateTeamBody, invalid: invalidTeam }, async ({ actor, body }) =>
  Response.json(await createTeam({ actor, name: body.name }), { status: 201 }),
);
