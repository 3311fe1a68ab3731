import { z } from 'zod';
import { withApi } from '@/lib/api/handler';
import { ZSlugParams } from '@/lib/api/params';
import { readDeclarationBody } from '@/lib/registry/parse-declaration-body';
import { invalidDeclaration, putDeclaration, ZPutDeclarationInput } from '@/lib/registry/put-declaration';
import { planDeclaration } from '@/lib/registry/plan-declaration';

export const dynamic = 'force-dynamic';

/** `?dryRun=true`: plan only (`vaktctl plan`): the same checks, the diff and the findings, nothing saved. */
const ZQuery = z.object({ dryRun: z.enum(['true', 'false'], { error: 'dryRun must be true or false' }).optional() });

// JSON or YAML (declarations as code). always 200 with {version, created, findings} (created:false = identical spec, same version).
export const PUT = withApi(
  { role: 'service-owner', params: ZSlugParams, query: ZQuery, body: ZPutDeclarationInput, readBody: readDeclarationBody, invalid: invalidDeclaration },
  async ({ actor, params, query, body, req }) => {
    if (query.dryRun === 'true') return planDeclaration({ actor, slug: params.slug, input: body, ifMatch: req.headers.get('if-match') });
    const out = await putDeclaration({ actor, slug: params.slug, input: body, ifMatch: req.headers.get('if-match') });
    return Response.json(out, { status: 200, headers: { ETag: `"${out.version}"` } });
  },
);
