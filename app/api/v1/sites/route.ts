import { readJson, withApi } from '@/lib/api/handler';
import { createSite, listSites } from '@/lib/registry/sites';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer' }, async () => listSites());
export const POST = withApi({ role: 'admin' }, async ({ actor, req }) => Response.json(await createSite({ actor, input: await readJson(req) }), { status: 201 }));
