import { withApi } from '@/lib/api/handler';
import { ZNameParams } from '@/lib/api/params';
import { readClusterBackups } from '@/lib/readiness/read-cluster-backups';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer', params: ZNameParams }, async ({ params }) => readClusterBackups(params.name));
