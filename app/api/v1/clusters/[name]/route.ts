import { withApi } from '@/lib/api/handler';
import { ZNameParams } from '@/lib/api/params';
import { invalidHistory, ZClusterViewQuery } from '@/lib/registry/read-clusters';
import { readCluster } from '@/lib/readmodel/read';
import { invalidClusterUpdate, updateCluster, ZUpdateClusterInput } from '@/lib/registry/update-cluster';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer', params: ZNameParams, query: ZClusterViewQuery, invalid: invalidHistory }, async ({ params, query }) =>
  readCluster(params.name, { historyMinutes: query.history }),
);
export const PATCH = withApi({ role: 'admin', params: ZNameParams, body: ZUpdateClusterInput, invalid: invalidClusterUpdate }, async ({ actor, params, body }) =>
  updateCluster({ actor, name: params.name, input: body }),
);
