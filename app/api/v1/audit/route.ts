import { withApi } from '@/lib/api/handler';
import { invalidAuditQuery, listAudit, ZListAuditSearch } from '@/lib/audit/list-audit';

export const dynamic = 'force-dynamic';

// ?action=&actor=&targetType=&targetId=&from=&to=&limit=&before=<nextCursor>
export const GET = withApi({ role: 'viewer', query: ZListAuditSearch, invalid: invalidAuditQuery }, async ({ query }) => listAudit(query));
