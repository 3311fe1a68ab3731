import { z } from 'zod';

// Path parameters shared by the routes under app/api (docs/api.md). withApi decodes each one once
// and validates it with the route's `params` schema; a value failing it answers 404: a path that
// cannot name anything names nothing (it never reaches the database).

/** Longest path parameter we look up; no name, slug or id comes near it. */
export const PATH_PARAM_MAX = 200;
/**
 * The characters of every name, slug and id Vakt stores (cluster and member names, context slugs,
 * class and promotion ids are uuids): letters, digits, ".", "_" and "-", starting with a letter or digit.
 */
export const PATH_PARAM_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const ZPathParam = z.string().max(PATH_PARAM_MAX).regex(PATH_PARAM_RE);

/** `[name]`: a cluster name. */
export const ZNameParams = z.object({ name: ZPathParam });
/** `[slug]`: a bounded-context slug. */
export const ZSlugParams = z.object({ slug: ZPathParam });
/** `[id]`: a class or promotion id. */
export const ZIdParams = z.object({ id: ZPathParam });
/** `[name]/members/[member]`: a cluster member (rejoin). */
export const ZMemberParams = z.object({ name: ZPathParam, member: ZPathParam });
/** `[name]/members/[member]/rejoin/[id]`: a rejoin request of a member. */
export const ZMemberRequestParams = z.object({ name: ZPathParam, member: ZPathParam, id: ZPathParam });


/** The body of a write that takes none: empty or `{}` (an empty body reads as `{}`); anything else 422, malformed JSON 400. */
export const ZEmptyBody = z.strictObject({});
