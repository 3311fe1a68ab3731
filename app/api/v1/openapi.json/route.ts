import { withApi } from '@/lib/api/handler';
import { buildOpenApiDocument } from '@/lib/api/openapi';

export const dynamic = 'force-dynamic';

// Public: the API description, generated from the zod schemas the handlers validate with.
export const GET = withApi({ role: 'public' }, async () => buildOpenApiDocument());
