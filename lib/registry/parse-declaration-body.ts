import { parse as parseYaml, YAMLParseError } from 'yaml';
import { AppError } from '@/lib/base/errors';

/**
 * A declaration body as JSON or YAML. `application/json` is parsed as JSON; anything else as YAML
 * (YAML 1.2 is a superset of JSON, so a JSON body with another content type works too).
 * Unparseable -> 400 BAD_REQUEST with the parser's message and line.
 */
export function parseDeclarationBody(text: string, contentType?: string | null): unknown {
  if (text.length > 1_000_000) throw new AppError('BAD_REQUEST', 'body larger than 1000000 bytes');
  if (!text.trim()) throw new AppError('BAD_REQUEST', 'empty body: send the declaration as JSON or YAML');
  const ct = (contentType ?? '').toLowerCase();
  if (/^application\/([a-z.+-]*\+)?json\b/.test(ct)) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new AppError('BAD_REQUEST', `body is not valid JSON: ${(e as Error).message}`);
    }
  }
  try {
    // one document; duplicate keys are an error (a silently ignored key would be a surprise)
    return parseYaml(text, { uniqueKeys: true, prettyErrors: true, maxAliasCount: 100 });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const line = e.linePos?.[0]?.line;
      throw new AppError('BAD_REQUEST', `body is not valid YAML${line ? ` (line ${line})` : ''}: ${e.message.split('\n')[0]}`, line ? { line } : undefined);
    }
    throw new AppError('BAD_REQUEST', `body is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** The request body of PUT /api/v1/contexts/{slug}/declaration, by its Content-Type (withApi's body reader). */
export async function readDeclarationBody(req: Request): Promise<unknown> {
  return parseDeclarationBody(await req.text(), req.headers.get('content-type'));
}
