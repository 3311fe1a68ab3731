import { z } from 'zod';
import { withApi } from '@/lib/api/handler';
import { ZPathParam } from '@/lib/api/params';
import { reviewDeclaration, ZReviewBody } from '@/lib/registry/lifecycle-review';

/** `[slug]/declarations/[version]`: a context slug and a version number (anything else names nothing: 404). */
const ZVersionParams = z.object({ slug: ZPathParam, version: z.string().regex(/^[1-9]\d{0,8}$/).transform(Number) });

/** POST …/accept and …/reject `{reason}` (admin; docs/api.md "Declaration lifecycle"): 409 when the version is not pending, 422 for a rejection without a reason. */
export const reviewRoute = (action: 'accept' | 'reject') =>
  withApi({ role: 'admin', params: ZVersionParams, body: ZReviewBody }, async ({ actor, params, body }) =>
    reviewDeclaration({ actor, slug: params.slug, version: params.version, action, reason: body.reason }),
  );
