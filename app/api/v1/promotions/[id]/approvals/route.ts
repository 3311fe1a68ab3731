import { withApi } from '@/lib/api/handler';
import { ZIdParams } from '@/lib/api/params';
import { approvePromotion } from '@/lib/promotion/approve-promotion';
import { ZApprovalBody } from '@/lib/promotion/schemas';

export const dynamic = 'force-dynamic';

// A person's act: session only (API tokens get 403), step-up password in the body.
export const POST = withApi({ role: 'operator', sessionOnly: true, params: ZIdParams, body: ZApprovalBody }, async ({ actor, params, body }) => {
  const r = await approvePromotion({ actor, id: params.id, ...body });
  return Response.json(r, { status: 201 });
});
