import { getHealth } from '@/lib/base/health';

export const dynamic = 'force-dynamic';

// Public: answers without credentials whether the database is reachable (no secrets, no versions).
export async function GET() {
  const h = await getHealth();
  return Response.json(h, { status: h.status === 'ok' ? 200 : 503 });
}
