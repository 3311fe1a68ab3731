import { withApi } from '@/lib/api/handler';
import { listClusters } from '@/lib/registry/read-clusters';
import { invalidCluster, registerCluster, ZRegisterClusterInput } from '@/lib/registry/register-cluster';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer' }, async () => listClusters());
export const POST = withApi({ role: 'admin', body: ZRegisterClusterInput, invalid: invalidCluster }, async ({ actor, body }) =>
  Response.json(await registerCluster({ actor, input: body }), { status: 201 }),
);
