import { withApi } from '@/lib/api/handler';
import { ZSlugParams } from '@/lib/api/params';
import { readContextFindings } from '@/lib/readmodel/read';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer', params: ZSlugParams }, async ({ params }) => ({ findings: await readContextFindings(params.slug) }));
