import { withApi } from '@/lib/api/handler';
import { readClusterList } from '@/lib/readmodel/read';
import { ZClusterListQuery } from '@/lib/readmodel/list';
import { invalidCluster, registerCluster, ZRegisterClusterInput } from '@/lib/registry/register-cluster';

export const dynamic = 'force-dynamic';

// the stored list items, concatenated as they are (never parsed and re-serialised here)
export const GET = withApi({ role: 'viewer', query: ZClusterListQuery }, async ({ query }) => new Response(await readClusterList(query), { headers: { 'content-type': 'application/json' } }));
export const POST = withApi({ role: 'admin', body: ZRegisterClusterInput, invalid: invalidCluster }, async ({ actor, body }) =>
  Response.json(await registerCluster({ actor, input: body }), { status: 201 }),
);
