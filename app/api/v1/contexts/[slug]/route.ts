import { withApi } from '@/lib/api/handler';
import { getContext } from '@/lib/registry/contexts';

export const dynamic = 'force-dynamic';

export const GET = withApi<{ slug: string }>({ role: 'viewer' }, async ({ params }) => getContext(params.slug));
