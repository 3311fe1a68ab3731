import { withApi } from '@/lib/api/handler';
import { readOverview } from '@/lib/readmodel/overview';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer' }, () => readOverview());
