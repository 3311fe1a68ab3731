import { withApi } from '@/lib/api/handler';
import { ZEmptyBody, ZIdParams } from '@/lib/api/params';
import { deleteReceiver } from '@/lib/alerts/receivers';

export const dynamic = 'force-dynamic';

export const DELETE = withApi({ role: 'admin', params: ZIdParams, body: ZEmptyBody }, async ({ actor, params }) => {
  await deleteReceiver({ actor, id: params.id });
  return new Response(null, { status: 204 });
});
