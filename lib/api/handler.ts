import { ZodError } from 'zod';
import { AppError, fieldErrors } from '@/lib/base/errors';
import { assertSameOrigin, requestActor, requireRole } from '@/lib/auth/session';
import type { TActor } from '@/lib/auth/actor';
import type { TRole } from '@/lib/auth/roles';
import { isDbUnavailable } from '@/lib/base/db';
import { logger } from '@/lib/base/log';

type TCtx<P> = { params: Promise<P> };
export type TApiContext<P> = { actor: TActor; via: 'token' | 'session'; params: P; req: Request };

/** Errors as PRODUCT.md says: `{error: {code, message, details?}}`, never a stack trace. */
export function errorResponse(e: unknown): Response {
  if (e instanceof AppError) {
    return Response.json({ error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } }, { status: e.status });
  }
  if (e instanceof ZodError) {
    const fields = fieldErrors(e.issues);
    return Response.json(
      { error: { code: 'VALIDATION', message: `invalid input: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, details: { fields } } },
      { status: 422 },
    );
  }
  if (isDbUnavailable(e)) {
    logger.error({ err: (e as Error).message }, 'database unavailable');
    return Response.json({ error: { code: 'UNAVAILABLE', message: 'Vakt database unavailable; try again shortly' } }, { status: 503 });
  }
  logger.error({ err: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) }, 'unhandled error in route');
  return Response.json({ error: { code: 'INTERNAL', message: 'internal error' } }, { status: 500 });
}

/**
 * Wraps a route handler: authenticates (session cookie or bearer token), checks the role on the
 * server, refuses cookie-authenticated cross-origin mutations, maps errors in one place.
 */
export function withApi<P = Record<string, string>>(
  opts: { role: TRole; sessionOnly?: boolean },
  handler: (ctx: TApiContext<P>) => Promise<Response | unknown>,
) {
  return async (req: Request, ctx: TCtx<P>): Promise<Response> => {
    try {
      const who = await requestActor(req);
      if (!who) throw new AppError('UNAUTHENTICATED', 'sign in or send Authorization: Bearer <token>');
      if (opts.sessionOnly && who.via !== 'session') throw new AppError('FORBIDDEN', 'this is a person\'s act: sign in in the browser; API tokens cannot do it');
      if (who.via === 'session' && !['GET', 'HEAD', 'OPTIONS'].includes(req.method)) assertSameOrigin(req.headers);
      requireRole(who.actor, opts.role);
      const params = (await ctx?.params) ?? ({} as P);
      const out = await handler({ actor: who.actor, via: who.via, params, req });
      return out instanceof Response ? out : Response.json(out);
    } catch (e) {
      return errorResponse(e);
    }
  };
}

/** Parse a JSON body; unparseable -> 400 (schema errors are 422, from zod). */
export async function readJson(req: Request, maxBytes = 1_000_000): Promise<unknown> {
  const text = await req.text();
  if (text.length > maxBytes) throw new AppError('BAD_REQUEST', `body larger than ${maxBytes} bytes`);
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AppError('BAD_REQUEST', `body is not valid JSON: ${(e as Error).message}`);
  }
}

/** Parse a zod schema against input, throwing 422 with fields. */
export function parseOr422<T>(schema: { safeParse: (v: unknown) => { success: true; data: T } | { success: false; error: ZodError } }, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success) throw r.error;
  return r.data;
}
