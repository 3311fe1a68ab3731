import { withApi } from '@/lib/api/handler';
import { streamResponse } from '@/lib/readmodel/stream';

export const dynamic = 'force-dynamic';

export const GET = withApi({ role: 'viewer' }, async ({ req }) => streamResponse(req.signal));
