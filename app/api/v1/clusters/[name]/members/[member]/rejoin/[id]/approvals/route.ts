import { z } from 'zod';
import { withApi } from '@/lib/api/handler';
import { ZMemberRequestParams } from '@/lib/api/params';
import { approveRejoin } from '@/lib/promotion/approve-rejoin';

export const dynamic = 'force-dynamic';

const ZRejoinApprovalBody = z.strictObject({ password: z.string().max(200).optional() });

// A person's act: session only (API tokens get 403), step-up password in the body; never the requester.
export const POST = withApi({ role: 'operator', sessionOnly: true, params: ZMemberRequestParams, body: ZRejoinApprovalBody }, async ({ actor, params, body }) => {
  const r = await approveRejoin({ actor, cluster: params.name, member: params.member, id: params.id, password: body.password });
  return Response.json(r, { status: 201 });
});
