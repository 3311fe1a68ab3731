import { withApi } from '@/lib/api/handler';
import { ZNameParams } from '@/lib/api/params';
import { listClusterRejoins } from '@/lib/promotion/list-rejoins';

export const dynamic = 'force-dynamic';

/** The cluster's rejoin requests with their steps, and the members a rejoin is offered for (from stored agent answers). */
export const GET = withApi({ role: 'viewer', params: ZNameParams }, async ({ params }) => listClusterRejoins({ cluster: params.name }));
