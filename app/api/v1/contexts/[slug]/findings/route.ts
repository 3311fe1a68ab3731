import { withApi } from '@/lib/api/handler';
import { getContextFindings } from '@/lib/findings/get-context-findings';

export const dynamic = 'force-dynamic';

export const GET = withApi<{ slug: string }>({ role: 'viewer' }, async ({ params }) => ({ findings: await getContextFindings(params.slug) }));
