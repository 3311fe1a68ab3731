import { withApi } from '@/lib/api/handler';
import { ZNameParams } from '@/lib/api/params';
import { readClusterSafety } from '@/lib/readmodel/read';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer', params: ZNameParams }, async ({ params }) => readClusterSafety(params.name));
