import { withApi } from '@/lib/api/handler';
import { createSite, listSites, ZCreateSiteInput } from '@/lib/registry/sites';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer' }, async () => listSites());
export const POST = withApi({ role: 'admin', body: ZCreateSiteInput, invalid: 'invalid site' }, async ({ actor, body }) =>
  Response.json(await createSite({ actor, input: body }), { status: 201 }),
);
