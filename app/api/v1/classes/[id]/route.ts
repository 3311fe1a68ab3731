import { withApi } from '@/lib/api/handler';
import { ZIdParams } from '@/lib/api/params';
import { updateClass, ZUpdateClassInput } from '@/lib/registry/classes';

export const dynamic = 'force-dynamic';

export const PATCH = withApi({ role: 'admin', params: ZIdParams, body: ZUpdateClassInput, invalid: 'invalid class' }, async ({ actor, params, body }) =>
  updateClass({ actor, id: params.id, input: body }),
);
