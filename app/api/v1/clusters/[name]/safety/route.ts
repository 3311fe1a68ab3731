import { withApi } from '@/lib/api/handler';
import { getClusterSafety } from '@/lib/promotion/get-cluster-safety';

export const dynamic = 'force-dynamic';

export const GET = withApi<{ name: string }>({ role: 'viewer' }, async ({ params }) => getClusterSafety(params.name));
