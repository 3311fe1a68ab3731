import { withApi } from '@/lib/api/handler';
import { ZSlugParams } from '@/lib/api/params';
import { getDeclarationHistory } from '@/lib/registry/contexts';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer', params: ZSlugParams }, async ({ params }) => getDeclarationHistory(params.slug));
