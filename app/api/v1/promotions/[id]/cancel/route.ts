import { parseOr422, readJson, withApi } from '@/lib/api/handler';
import { cancelPromotion } from '@/lib/promotion/cancel-promotion';
import { ZCancelBody } from '@/lib/promotion/schemas';

export const dynamic = 'force-dynamic';

export const POST = withApi<{ id: string }>({ role: 'operator' }, async ({ actor, params, req }) => {
  const body = parseOr422(ZCancelBody, await readJson(req));
  return cancelPromotion({ actor, id: params.id, reason: body.reason });
});
