import { withApi } from '@/lib/api/handler';
import { ZSlugParams } from '@/lib/api/params';
import { readDeclarationBody } from '@/lib/registry/parse-declaration-body';
import { invalidDeclaration, putDeclaration, ZPutDeclarationInput } from '@/lib/registry/put-declaration';

export const dynamic = 'force-dynamic';

// JSON or YAML (declarations as code). always 200 with {version, created, findings} (created:false = identical spec, same version).
export const PUT = withApi(
  { role: 'service-owner', params: ZSlugParams, body: ZPutDeclarationInput, readBody: readDeclarationBody, invalid: invalidDeclaration },
  async ({ actor, params, body, req }) => {
    const out = await putDeclaration({ actor, slug: params.slug, input: body, ifMatch: req.headers.get('if-match') });
    return Response.json(out, { status: 200, headers: { ETag: `"${out.version}"` } });
  },
);
