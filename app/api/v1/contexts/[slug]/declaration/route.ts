import { withApi } from '@/lib/api/handler';
import { parseDeclarationBody } from '@/lib/registry/parse-declaration-body';
import { putDeclaration } from '@/lib/registry/put-declaration';

export const dynamic = 'force-dynamic';

// JSON or YAML (declarations as code). always 200 with {version, created, findings} (created:false = identical spec, same version).
export const PUT = withApi<{ slug: string }>({ role: 'service-owner' }, async ({ actor, params, req }) => {
  const input = parseDeclarationBody(await req.text(), req.headers.get('content-type'));
  const out = await putDeclaration({ actor, slug: params.slug, input, ifMatch: req.headers.get('if-match') });
  return Response.json(out, { status: 200, headers: { ETag: `"${out.version}"` } });
});
