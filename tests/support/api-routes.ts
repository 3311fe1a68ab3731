// The API routes as found on disk (every app/api/**/route.ts), so a test over "every route" cannot
// miss a new one. Used by tests/api/every-route-auth.int.test.ts and tests/api/path-params.int.test.ts.
import fs from 'node:fs';
import path from 'node:path';

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type THandler = (r: Request, c: unknown) => Promise<Response>;

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return e.name === 'route.ts' ? [p] : [];
  });
}

/** Every route file under app/api (absolute paths) except next-auth's catch-all /api/auth/[...nextauth]. */
export const routeFiles = (): string[] => walk(path.resolve('app/api')).filter((f) => !f.includes(`${path.sep}auth${path.sep}[...nextauth]`));

/** The names of a route file's [param] segments, in order. */
export const paramNames = (file: string): string[] => [...path.relative(path.resolve('app'), file).matchAll(/\[(\w+)\]/g)].map((m) => m[1]);

/** The URL of a route file with each [param] replaced by `value(param)` (percent-encoded, as a client sends it). */
export const urlOf = (file: string, value: (param: string) => string): string =>
  '/' + path.relative(path.resolve('app'), path.dirname(file)).split(path.sep).map((s) => s.replace(/^\[(\w+)\]$/, (_m, p: string) => encodeURIComponent(value(p)))).join('/');

/** The HTTP methods a route file exports a handler for. */
export async function methodsOf(file: string) {
  const mod = (await import(file)) as Record<string, unknown>;
  return METHODS.filter((m) => typeof mod[m] === 'function');
}
