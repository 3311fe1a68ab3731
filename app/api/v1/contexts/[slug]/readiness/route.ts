import { withApi } from '@/lib/api/handler';
import { ZSlugParams } from '@/lib/api/params';
import { readContextReadiness } from '@/lib/readiness/read-readiness';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer', params: ZSlugParams }, async ({ params }) => readContextReadiness(params.slug));
