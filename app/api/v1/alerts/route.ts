import { z } from 'zod';
import { withApi } from '@/lib/api/handler';
import { listAlerts } from '@/lib/alerts/alerts';

export const dynamic = 'force-dynamic';

const ZQuery = z.strictObject({ state: z.enum(['firing', 'resolved']).default('firing') });

export const GET = withApi({ role: 'viewer', query: ZQuery, invalid: 'state must be firing or resolved' }, async ({ query }) => ({ alerts: await listAlerts(query.state) }));
