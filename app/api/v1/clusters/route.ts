import { readJson, withApi } from '@/lib/api/handler';
import { listClusters } from '@/lib/registry/read-clusters';
import { registerCluster } from '@/lib/registry/register-cluster';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer' }, async () => listClusters());
export const POST = withApi({ role: 'admin' }, async ({ actor, req }) =>
  Response.json(await registerCluster({ actor, input: await readJson(req) }), { status: 201 }),
);
