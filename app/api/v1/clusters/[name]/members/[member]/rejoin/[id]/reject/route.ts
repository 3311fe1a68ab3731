import { withApi } from '@/lib/api/handler';
import { ZMemberRequestParams } from '@/lib/api/params';
import { rejectRejoin } from '@/lib/promotion/end-rejoin';
import { ZRejectBody } from '@/lib/promotion/schemas';

export const dynamic = 'force-dynamic';

/** Any operator rejects a rejoin request that has not started (PENDING or APPROVED). */
export const POST = withApi({ role: 'operator', params: ZMemberRequestParams, body: ZRejectBody }, async ({ actor, params, body }) =>
  rejectRejoin({ actor, cluster: params.name, member: params.member, id: params.id, reason: body.reason }),
);
