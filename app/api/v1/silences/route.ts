import { withApi } from '@/lib/api/handler';
import { createSilence, listSilences, ZSilenceInput } from '@/lib/alerts/alerts';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer' }, async () => ({ silences: await listSilences() }));
export const POST = withApi({ role: 'operator', body: ZSilenceInput, invalid: 'invalid silence' }, async ({ actor, body }) =>
  Response.json(await createSilence({ actor, input: body }), { status: 201 }),
);
