import { withApi } from '@/lib/api/handler';
import { recordExternalDrill } from '@/lib/drills/record-external-drill';
import { ZExternalDrillResult } from '@/lib/drills/schemas';

export const dynamic = 'force-dynamic';

/** An external drill runner's result (operator-role token): 201 {id, status}. */
export const POST = withApi({ role: 'operator', body: ZExternalDrillResult }, async ({ actor, body }) => Response.json(await recordExternalDrill({ actor, input: body }), { status: 201 }));
