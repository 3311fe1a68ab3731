import { withApi } from '@/lib/api/handler';
import { listContexts } from '@/lib/registry/contexts';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer' }, async () => listContexts());
