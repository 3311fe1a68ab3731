import { withApi } from '@/lib/api/handler';
import { ZIdParams } from '@/lib/api/params';
import { abandonPromote } from '@/lib/promotion/abandon-promote';
import { ZAbandonBody } from '@/lib/promotion/schemas';

export const dynamic = 'force-dynamic';

// docs/api.md "Abandoning a promote whose outcome is unknown"
export const POST = withApi({ role: 'operator', params: ZIdParams, body: ZAbandonBody }, async ({ actor, params, body }) =>
  abandonPromote({ actor, id: params.id, reason: body.reason, password: body.password, attestation: body.attestation }),
);
