import { withApi } from '@/lib/api/handler';
import { ZNameParams } from '@/lib/api/params';
import { listDrills } from '@/lib/drills/read-drills';
import { requestDrill } from '@/lib/drills/request-drill';
import { ZRequestDrillBody } from '@/lib/drills/schemas';

export const dynamic = 'force-dynamic';

/** Request a restore drill: 202 {id, status}; 409 while one is queued or running; 422 for an unknown label or a time outside the window. */
export const POST = withApi({ role: 'operator', params: ZNameParams, body: ZRequestDrillBody }, async ({ actor, params, body }) => {
  const r = await requestDrill({ actor, cluster: params.name, backup: body.backup, targetTime: body.targetTime });
  return Response.json(r, { status: 202 });
});

export const GET = withApi({ role: 'viewer', params: ZNameParams }, async ({ params }) => ({ drills: await listDrills({ cluster: params.name }) }));
