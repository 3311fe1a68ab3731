import { z } from 'zod';
import { withApi } from '@/lib/api/handler';
import { ZNameParams } from '@/lib/api/params';
import { AppError } from '@/lib/base/errors';
import { getCluster } from '@/lib/registry/read-clusters';

export const dynamic = 'force-dynamic';

// ?history=<minutes of chart history>
const ZClusterQuery = z.object({ history: z.coerce.number().int().min(1).max(60 * 24 * 31).optional() });
const invalidHistory = () => new AppError('VALIDATION', 'history: minutes, 1 to 44640', { fields: [{ path: 'history', message: 'minutes, 1 to 44640' }] });

export const GET = withApi({ role: 'viewer', params: ZNameParams, query: ZClusterQuery, invalid: invalidHistory }, async ({ params, query }) =>
  getCluster(params.name, { historyMinutes: query.history }),
);
