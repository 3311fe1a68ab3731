import { withApi } from '@/lib/api/handler';
import { getPromotion } from '@/lib/promotion/get-promotion';

export const dynamic = 'force-dynamic';

export const GET = withApi<{ id: string }>({ role: 'viewer' }, async ({ params }) => getPromotion(params.id));
