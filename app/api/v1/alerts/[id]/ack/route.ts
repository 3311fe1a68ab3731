import { withApi } from '@/lib/api/handler';
import { ZEmptyBody, ZIdParams } from '@/lib/api/params';
import { ackAlert } from '@/lib/alerts/alerts';

export const dynamic = 'force-dynamic';

export const POST = withApi({ role: 'operator', params: ZIdParams, body: ZEmptyBody }, async ({ actor, params }) => ackAlert({ actor, id: params.id }));
