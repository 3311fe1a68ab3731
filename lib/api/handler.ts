import { z, ZodError } from 'zod';
import { AppError, fieldErrors, notFound } from '@/lib/base/errors';
import { assertSameOrigin, requestActor, requireRole } from '@/lib/auth/session';
import type { TActor } from '@/lib/auth/actor';
import type { TRole } from '@/lib/auth/roles';
import { isDbUnavailable } from '@/lib/base/db';
import { logger } from '@/lib/base/log';

// The one edge of every route under app/api (docs/api.md): authentication, role, same-origin,
// path parameters, query and body validated with zod schemas, errors mapped in one place.

type TRawParams = Record<string, string | string[] | undefined>;
export type TRouteContext = { params?: Promise<TRawParams> | TRawParams } | undefined;
type TIssues = readonly z.core.$ZodIssue[];
/** A query or body failing its schema -> this error (a message for a 422 with the fields, or a function of the issues). */
export type TInvalid = string | ((issues: TIssues) => AppError);
type TOut<S> = S extends z.ZodType ? z.output<S> : undefined;
type TWho<R> = R extends 'public' ? { actor: null; via: null } : { actor: TActor; via: 'token' | 'session' };

export type TApiOptions<R extends TRole | 'public', P extends z.ZodType | undefined, Q extends z.ZodType | undefined, B extends z.ZodType | undefined> = {
  /** minimum role; 'public' = no credentials asked (the handler may check its own) */
  role: R;
  /** a person's act: a signed-in session, never an API token (403) */
  sessionOnly?: boolean;
  /** path parameters, decoded once here; a value failing the schema answers 404 */
  params?: P;
  /** the query string as an object (one value per key); failing -> `invalid` (default 422) */
  query?: Q;
  /** the body, read by `readBody` (default JSON; unparseable -> 400); failing the schema -> `invalid` (default 422) */
  body?: B;
  readBody?: (req: Request) => Promise<unknown>;
  invalid?: TInvalid;
};

export type TApiContext<R = TRole, P = undefined, Q = undefined, B = undefined> = TWho<R> & {
  params: TOut<P>;
  query: TOut<Q>;
  body: TOut<B>;
  req: Request;
};

/** Errors as docs/api.md says: `{error: {code, message, details?}}`, never a stack trace. */
export function errorResponse(e: unknown): Response {
  if (e instanceof AppError) {
    return Response.json({ error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } }, { status: e.status });
  }
  if (e instanceof ZodError) return errorResponse(invalidInput(e.issues));
  if (isDbUnavailable(e)) {
    logger.error({ err: (e as Error).message }, 'database unavailable');
    return Response.json({ error: { code: 'UNAVAILABLE', message: 'Vakt database unavailable; try again shortly' } }, { status: 503 });
  }
  logger.error({ err: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) }, 'unhandled error in route');
  return Response.json({ error: { code: 'INTERNAL', message: 'internal error' } }, { status: 500 });
}

/** The default 422: `invalid input: path: message; ...` with the fields. */
export function invalidInput(issues: TIssues): AppError {
  const fields = fieldErrors(issues);
  return new AppError('VALIDATION', `invalid input: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, { fields });
}

function invalidError(invalid: TInvalid | undefined, issues: TIssues): AppError {
  if (typeof invalid === 'function') return invalid(issues);
  if (typeof invalid === 'string') return new AppError('VALIDATION', invalid, { fields: fieldErrors(issues) });
  return invalidInput(issues);
}

function decodeParam(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return '\u0000'; // malformed escape: not a name (fails every params schema)
  }
}

/** The route's path parameters, each decoded once; a value the schema refuses cannot name anything: 404. */
async function pathParams(ctx: TRouteContext, schema: z.ZodType | undefined): Promise<unknown> {
  if (!schema) return undefined;
  const raw = (await ctx?.params) ?? {};
  const decoded = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v.map(decodeParam) : typeof v === 'string' ? decodeParam(v) : v]));
  const r = schema.safeParse(decoded);
  if (r.success) return r.data;
  const key = String(r.error.issues[0]?.path[0] ?? 'path');
  const value = String(decoded[key] ?? '');
  throw notFound(`${key} ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`);
}

function validate(schema: z.ZodType | undefined, input: () => unknown, invalid: TInvalid | undefined): unknown {
  if (!schema) return undefined;
  const r = schema.safeParse(input());
  if (!r.success) throw invalidError(invalid, r.error.issues);
  return r.data;
}

/**
 * Wraps a route handler, in this order: authenticates (session cookie or bearer token; 401) unless the
 * route is public; path parameters (decoded once; a value that cannot be a name is 404); session-only
 * acts, cross-origin cookie mutations and the role (403); the query and the body (400 unparseable, 422
 * failing the schema). The handler gets the typed, validated values; errors are mapped in one place.
 */
export function withApi<
  R extends TRole | 'public',
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(opts: TApiOptions<R, P, Q, B>, handler: (ctx: TApiContext<R, P, Q, B>) => Promise<Response | unknown>) {
  return async (req: Request, ctx?: TRouteContext): Promise<Response> => {
    try {
      let who: { actor: TActor | null; via: 'token' | 'session' | null } = { actor: null, via: null };
      let params: unknown;
      if (opts.role === 'public') {
        params = await pathParams(ctx, opts.params);
      } else {
        const found = await requestActor(req);
        if (!found) throw new AppError('UNAUTHENTICATED', 'sign in or send Authorization: Bearer <token>');
        // a path that names nothing is 404 to anyone signed in, before what the act would need
        params = await pathParams(ctx, opts.params);
        if (opts.sessionOnly && found.via !== 'session') throw new AppError('FORBIDDEN', 'this is a person\'s act: sign in in the browser; API tokens cannot do it');
        if (found.via === 'session' && !['GET', 'HEAD', 'OPTIONS'].includes(req.method)) assertSameOrigin(req.headers);
        requireRole(found.actor, opts.role as TRole);
        who = found;
      }
      const query = validate(opts.query, () => Object.fromEntries(new URL(req.url).searchParams.entries()), opts.invalid);
      const rawBody = opts.body ? await (opts.readBody ?? readJson)(req) : undefined;
      const body = validate(opts.body, () => rawBody, opts.invalid);
      const out = await handler({ ...who, params, query, body, req } as TApiContext<R, P, Q, B>);
      return out instanceof Response ? out : Response.json(out);
    } catch (e) {
      return errorResponse(e);
    }
  };
}

/** Parse a JSON body; unparseable -> 400 (schema errors are 422). An empty body is `{}`. */
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
