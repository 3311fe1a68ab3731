import { withApi } from '@/lib/api/handler';
import { ZNameParams } from '@/lib/api/params';
import { invalidHistory, ZClusterViewQuery } from '@/lib/registry/read-clusters';
import { readCluster } from '@/lib/readmodel/read';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer', params: ZNameParams, query: ZClusterViewQuery, invalid: invalidHistory }, async ({ params, query }) =>
  readCluster(params.name, { historyMinutes: query.history }),
);
