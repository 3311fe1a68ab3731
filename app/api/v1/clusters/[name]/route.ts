import { withApi } from '@/lib/api/handler';
import { ZNameParams } from '@/lib/api/params';
import { getCluster, invalidHistory, ZClusterViewQuery } from '@/lib/registry/read-clusters';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer', params: ZNameParams, query: ZClusterViewQuery, invalid: invalidHistory }, async ({ params, query }) =>
  getCluster(params.name, { historyMinutes: query.history }),
);
