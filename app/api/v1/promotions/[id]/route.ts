import { withApi } from '@/lib/api/handler';
import { ZIdParams } from '@/lib/api/params';
import { getPromotion } from '@/lib/promotion/get-promotion';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer', params: ZIdParams }, async ({ params }) => getPromotion(params.id));
