import { withApi } from '@/lib/api/handler';
import { ZSlugParams } from '@/lib/api/params';
import { readContext } from '@/lib/readmodel/read';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer', params: ZSlugParams }, async ({ params }) => readContext(params.slug));
