import { withApi } from '@/lib/api/handler';
import { ZNameParams } from '@/lib/api/params';
import { getClusterSafety } from '@/lib/promotion/get-cluster-safety';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer', params: ZNameParams }, async ({ params }) => getClusterSafety(params.name));
