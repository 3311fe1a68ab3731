import { parseOr422, readJson, withApi } from '@/lib/api/handler';
import { rejectPromotion } from '@/lib/promotion/reject-promotion';
import { ZRejectBody } from '@/lib/promotion/schemas';

export const dynamic = 'force-dynamic';

export const POST = withApi<{ id: string }>({ role: 'operator' }, async ({ actor, params, req }) => {
  const body = parseOr422(ZRejectBody, await readJson(req));
  return rejectPromotion({ actor, id: params.id, reason: body.reason });
});
