import { withApi } from '@/lib/api/handler';
import { ZNameParams } from '@/lib/api/params';
import { requestSwitchover } from '@/lib/promotion/request-switchover';
import { ZRequestSwitchoverBody } from '@/lib/promotion/schemas';

export const dynamic = 'force-dynamic';

/** A planned switchover (issue 15): a promotion request of kind `switchover`, approved through /api/v1/promotions/{id}/approvals. */
export const POST = withApi({ role: 'operator', params: ZNameParams, body: ZRequestSwitchoverBody }, async ({ actor, params, body }) => {
  const r = await requestSwitchover({ actor, cluster: params.name, candidate: body.candidate, reason: body.reason, scheduledAt: body.scheduledAt });
  return Response.json(r, { status: 201 });
});
