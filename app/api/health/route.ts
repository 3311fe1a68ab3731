import { withApi } from '@/lib/api/handler';
import { getHealth } from '@/lib/base/health';

export const dynamic = 'force-dynamic';

// Public: answers without credentials whether the database is reachable (no secrets, no versions).
export const GET = withApi({ role: 'public' }, async () => {
  const h = await getHealth();
  return Response.json(h, { status: h.status === 'ok' ? 200 : 503 });
});
