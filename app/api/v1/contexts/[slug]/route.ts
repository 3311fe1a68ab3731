import { withApi } from '@/lib/api/handler';
import { ZSlugParams } from '@/lib/api/params';
import { getContext } from '@/lib/registry/contexts';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer', params: ZSlugParams }, async ({ params }) => getContext(params.slug));
