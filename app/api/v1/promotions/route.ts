import { parseOr422, withApi } from '@/lib/api/handler';
import { listPromotions } from '@/lib/promotion/list-promotions';
import { ZListPromotionsQuery } from '@/lib/promotion/schemas';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer' }, async ({ req }) => {
  const q = parseOr422(ZListPromotionsQuery, Object.fromEntries(new URL(req.url).searchParams));
  return { promotions: await listPromotions(q) };
});
