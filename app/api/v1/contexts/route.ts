import { withApi } from '@/lib/api/handler';
import { readContexts } from '@/lib/readmodel/read';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer' }, async () => readContexts());
