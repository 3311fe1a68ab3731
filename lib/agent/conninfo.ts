// libpq connection strings (primary_conninfo), pure: POST /v1/upstream rewrites host and port and
// keeps every other option (user, password, passfile, sslmode, application_name, …) as it was.
// Both libpq forms are understood: `key=value` pairs (values optionally single-quoted, with \' and
// \\ escapes) and `postgresql://` URIs.

export class ConninfoError extends Error {}

type TPair = { key: string; value: string };

/** `key=value` pairs in order; throws ConninfoError on text libpq would not accept. */
export function parseConninfoPairs(text: string): TPair[] {
  const pairs: TPair[] = [];
  let i = 0;
  const n = text.length;
  const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  while (i < n) {
    while (i < n && isSpace(text[i])) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n && text[i] !== '=' && !isSpace(text[i])) i++;
    const key = text.slice(keyStart, i);
    while (i < n && isSpace(text[i])) i++;
    if (text[i] !== '=' || !key) throw new ConninfoError(`missing "=" after "${key}"`);
    i++;
    while (i < n && isSpace(text[i])) i++;
    let value = '';
    if (text[i] === "'") {
      i++;
      for (;;) {
        if (i >= n) throw new ConninfoError(`unterminated quoted value for "${key}"`);
        const c = text[i];
        if (c === '\\' && i + 1 < n) {
          value += text[i + 1];
          i += 2;
        } else if (c === "'") {
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
    } else {
      while (i < n && !isSpace(text[i])) {
        if (text[i] === '\\' && i + 1 < n) {
          value += text[i + 1];
          i += 2;
        } else value += text[i++];
      }
    }
    pairs.push({ key, value });
  }
  return pairs;
}

function quoteValue(value: string): string {
  return value !== '' && /^[^\s'\\]+$/.test(value) ? value : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const HOST_KEYS = new Set(['host', 'hostaddr', 'port']);

/**
 * The same connection string pointing at host:port. Any host, hostaddr and port (also lists of
 * several hosts) are replaced; every other option is kept in order. Throws ConninfoError when the
 * text cannot be parsed.
 */
export function withUpstream(conninfo: string, host: string, port: number): string {
  const trimmed = conninfo.trim();
  if (/^postgres(ql)?:\/\//.test(trimmed)) {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw new ConninfoError('not a valid postgresql:// URI');
    }
    url.host = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    url.searchParams.delete('host');
    url.searchParams.delete('hostaddr');
    url.searchParams.delete('port');
    return url.toString();
  }
  const kept = parseConninfoPairs(trimmed).filter((p) => !HOST_KEYS.has(p.key));
  return [...kept, { key: 'host', value: host }, { key: 'port', value: String(port) }].map((p) => `${p.key}=${quoteValue(p.value)}`).join(' ');
}

/** host and port the connection string points at (the first of a list), or null for either when not given. */
export function upstreamOf(conninfo: string): { host: string | null; port: number | null } {
  const trimmed = conninfo.trim();
  if (/^postgres(ql)?:\/\//.test(trimmed)) {
    try {
      const url = new URL(trimmed);
      const host = url.searchParams.get('host') ?? (url.hostname ? url.hostname.replace(/^\[(.*)\]$/, '$1') : null);
      const port = url.searchParams.get('port') ?? url.port;
      return { host: host || null, port: port ? Number(port.split(',')[0]) : null };
    } catch {
      throw new ConninfoError('not a valid postgresql:// URI');
    }
  }
  const pairs = parseConninfoPairs(trimmed);
  const get = (k: string) => pairs.filter((p) => p.key === k).pop()?.value ?? null;
  const host = (get('host') ?? get('hostaddr'))?.split(',')[0] || null;
  const port = get('port')?.split(',')[0];
  return { host, port: port ? Number(port) : null };
}
