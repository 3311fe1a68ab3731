import { parseOr422, readJson, withApi } from '@/lib/api/handler';
import { approvePromotion } from '@/lib/promotion/approve-promotion';
import { ZApprovalBody } from '@/lib/promotion/schemas';

export const dynamic = 'force-dynamic';

// A person's act: session only (API tokens get 403), step-up password in the body.
export const POST = withApi<{ id: string }>({ role: 'operator', sessionOnly: true }, async ({ actor, params, req }) => {
  const body = parseOr422(ZApprovalBody, await readJson(req));
  const r = await approvePromotion({ actor, id: params.id, ...body });
  return Response.json(r, { status: 201 });
});
