import { withApi } from '@/lib/api/handler';
import { getDeclarationHistory } from '@/lib/registry/contexts';

export const dynamic = 'force-dynamic';

export const GET = withApi<{ slug: string }>({ role: 'viewer' }, async ({ params }) => getDeclarationHistory(params.slug));
