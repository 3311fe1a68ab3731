import { z } from 'zod';
import { withApi } from '@/lib/api/handler';
import { AppError } from '@/lib/base/errors';
import { getCluster } from '@/lib/registry/read-clusters';

export const dynamic = 'force-dynamic';

const ZHistory = z.coerce.number().int().min(1).max(60 * 24 * 31);

export const GET = withApi<{ name: string }>({ role: 'viewer' }, async ({ params, req }) => {
  const raw = new URL(req.url).searchParams.get('history');
  let historyMinutes: number | undefined;
  if (raw !== null) {
    const h = ZHistory.safeParse(raw);
    if (!h.success) throw new AppError('VALIDATION', 'history: minutes, 1 to 44640', { fields: [{ path: 'history', message: 'minutes, 1 to 44640' }] });
    historyMinutes = h.data;
  }
  return getCluster(decodeURIComponent(params.name), { historyMinutes });
});
