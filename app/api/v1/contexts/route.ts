import { withApi } from '@/lib/api/handler';
import { readContextList } from '@/lib/readmodel/read';
import { ZContextListQuery } from '@/lib/readmodel/list';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer', query: ZContextListQuery }, async ({ query }) => readContextList(query));
