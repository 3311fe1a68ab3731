import { withApi } from '@/lib/api/handler';
import { createReceiver, listReceivers, ZReceiverInput } from '@/lib/alerts/receivers';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'admin' }, async () => ({ receivers: await listReceivers() }));
export const POST = withApi({ role: 'admin', body: ZReceiverInput, invalid: 'invalid receiver' }, async ({ actor, body }) =>
  Response.json(await createReceiver({ actor, input: body }), { status: 201 }),
);
