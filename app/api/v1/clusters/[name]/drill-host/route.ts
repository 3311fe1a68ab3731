import { withApi } from '@/lib/api/handler';
import { ZEmptyBody, ZNameParams } from '@/lib/api/params';
import { clearDrillHost, setDrillHost } from '@/lib/drills/set-drill-host';
import { ZDrillHostBody } from '@/lib/drills/schemas';

export const dynamic = 'force-dynamic';

export const PUT = withApi({ role: 'admin', params: ZNameParams, body: ZDrillHostBody }, async ({ actor, params, body }) =>
  setDrillHost({ actor, cluster: params.name, agentUrl: body.agentUrl, agentToken: body.agentToken }),
);

/** No body needed (an empty one, or `{}`). */
export const DELETE = withApi({ role: 'admin', params: ZNameParams, body: ZEmptyBody }, async ({ actor, params }) => clearDrillHost({ actor, cluster: params.name }));
