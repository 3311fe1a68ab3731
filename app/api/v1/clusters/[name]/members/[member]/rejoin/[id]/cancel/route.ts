import { withApi } from '@/lib/api/handler';
import { ZMemberRequestParams } from '@/lib/api/params';
import { cancelRejoin } from '@/lib/promotion/end-rejoin';
import { ZCancelBody } from '@/lib/promotion/schemas';

export const dynamic = 'force-dynamic';

/** The requester (or an admin) cancels a rejoin request that has not started (PENDING or APPROVED). */
export const POST = withApi({ role: 'operator', params: ZMemberRequestParams, body: ZCancelBody }, async ({ actor, params, body }) =>
  cancelRejoin({ actor, cluster: params.name, member: params.member, id: params.id, reason: body.reason }),
);
