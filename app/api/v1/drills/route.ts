import { withApi } from '@/lib/api/handler';
import { listDrills } from '@/lib/drills/read-drills';
import { ZListDrillsQuery } from '@/lib/drills/schemas';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer', query: ZListDrillsQuery }, async ({ query }) => ({ drills: await listDrills({ cluster: query.cluster }) }));
