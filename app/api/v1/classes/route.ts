import { withApi } from '@/lib/api/handler';
import { listClasses } from '@/lib/registry/classes';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer' }, async () => listClasses());
