import { withApi } from '@/lib/api/handler';
import { ZSlugParams } from '@/lib/api/params';
import { getContextFindings } from '@/lib/findings/get-context-findings';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer', params: ZSlugParams }, async ({ params }) => ({ findings: await getContextFindings(params.slug) }));
