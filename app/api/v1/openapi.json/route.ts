import { buildOpenApiDocument } from '@/lib/api/openapi';

export const dynamic = 'force-dynamic';

// Public: the API description, generated from the zod schemas the handlers validate with.
export async function GET() {
  return Response.json(buildOpenApiDocument());
}
