import { parseOr422, readJson, withApi } from '@/lib/api/handler';
import { listPromotions } from '@/lib/promotion/list-promotions';
import { requestPromotion } from '@/lib/promotion/request-promotion';
import { ZRequestPromotionBody } from '@/lib/promotion/schemas';

export const dynamic = 'force-dynamic';

export const POST = withApi<{ name: string }>({ role: 'operator' }, async ({ actor, params, req }) => {
  const body = parseOr422(ZRequestPromotionBody, await readJson(req));
  const r = await requestPromotion({ actor, cluster: params.name, candidate: body.candidate, reason: body.reason });
  return Response.json(r, { status: 201 });
});

/** The cluster's promotions (newest first), same items as GET /api/v1/promotions?cluster=. */
export const GET = withApi<{ name: string }>({ role: 'viewer' }, async ({ params }) => ({ promotions: await listPromotions({ cluster: params.name }) }));
