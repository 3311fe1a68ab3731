import { withApi } from '@/lib/api/handler';
import { listAudit } from '@/lib/audit/list-audit';

export const dynamic = 'force-dynamic';

// ?action=&actor=&targetType=&targetId=&from=&to=&limit=&before=<nextCursor>
export const GET = withApi({ role: 'viewer' }, async ({ req }) => {
  const q = Object.fromEntries(new URL(req.url).searchParams.entries());
  return listAudit(q);
});
