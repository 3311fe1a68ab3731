import { withApi } from '@/lib/api/handler';
import { ZIdParams } from '@/lib/api/params';
import { cancelPromotion } from '@/lib/promotion/cancel-promotion';
import { ZCancelBody } from '@/lib/promotion/schemas';

export const dynamic = 'force-dynamic';

export const POST = withApi({ role: 'operator', params: ZIdParams, body: ZCancelBody }, async ({ actor, params, body }) =>
  cancelPromotion({ actor, id: params.id, reason: body.reason }),
);
