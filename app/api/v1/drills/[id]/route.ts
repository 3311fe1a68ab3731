import { withApi } from '@/lib/api/handler';
import { ZIdParams } from '@/lib/api/params';
import { getDrill } from '@/lib/drills/read-drills';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer', params: ZIdParams }, async ({ params }) => getDrill(params.id));
