import { withApi } from '@/lib/api/handler';
import { ZIdParams } from '@/lib/api/params';
import { rejectPromotion } from '@/lib/promotion/reject-promotion';
import { ZRejectBody } from '@/lib/promotion/schemas';

export const dynamic = 'force-dynamic';

export const POST = withApi({ role: 'operator', params: ZIdParams, body: ZRejectBody }, async ({ actor, params, body }) =>
  rejectPromotion({ actor, id: params.id, reason: body.reason }),
);
