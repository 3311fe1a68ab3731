import { withApi } from '@/lib/api/handler';
import { listPromotions } from '@/lib/promotion/list-promotions';
import { ZListPromotionsQuery } from '@/lib/promotion/schemas';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer', query: ZListPromotionsQuery }, async ({ query }) => ({ promotions: await listPromotions(query) }));
