import { withApi } from '@/lib/api/handler';
import { readClusters } from '@/lib/readmodel/read';
import { invalidCluster, registerCluster, ZRegisterClusterInput } from '@/lib/registry/register-cluster';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer' }, async () => readClusters());
export const POST = withApi({ role: 'admin', body: ZRegisterClusterInput, invalid: invalidCluster }, async ({ actor, body }) =>
  Response.json(await registerCluster({ actor, input: body }), { status: 201 }),
);
