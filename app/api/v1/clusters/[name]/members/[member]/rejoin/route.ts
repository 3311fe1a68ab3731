import { withApi } from '@/lib/api/handler';
import { ZMemberParams } from '@/lib/api/params';
import { listRejoins } from '@/lib/promotion/list-rejoins';
import { requestRejoin, ZRejoinBody } from '@/lib/promotion/request-rejoin';

export const dynamic = 'force-dynamic';

/** Rejoin after a failover (issue 15 item 4): the member's rejoin requests with their steps. */
export const GET = withApi({ role: 'viewer', params: ZMemberParams }, async ({ params }) => ({ items: await listRejoins({ cluster: params.name, member: params.member }) }));

/** Asks to rejoin a fenced old primary (or a replica left on the old timeline) as a replica of the new primary; 409 for the primary itself. */
export const POST = withApi({ role: 'operator', params: ZMemberParams, body: ZRejoinBody }, async ({ actor, params, body }) => {
  const r = await requestRejoin({ actor, cluster: params.name, member: params.member, reason: body.reason });
  return Response.json(r, { status: 201 });
});
