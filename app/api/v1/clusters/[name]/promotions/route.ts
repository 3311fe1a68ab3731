import { withApi } from '@/lib/api/handler';
import { ZNameParams } from '@/lib/api/params';
import { listPromotions } from '@/lib/promotion/list-promotions';
import { requestPromotion } from '@/lib/promotion/request-promotion';
import { ZRequestPromotionBody } from '@/lib/promotion/schemas';

export const dynamic = 'force-dynamic';

export const POST = withApi({ role: 'operator', params: ZNameParams, body: ZRequestPromotionBody }, async ({ actor, params, body }) => {
  const r = await requestPromotion({ actor, cluster: params.name, candidate: body.candidate, reason: body.reason });
  return Response.json(r, { status: 201 });
});

/** The cluster's promotions (newest first), same items as GET /api/v1/promotions?cluster=. */
export const GET = withApi({ role: 'viewer', params: ZNameParams }, async ({ params }) => ({ promotions: await listPromotions({ cluster: params.name }) }));
