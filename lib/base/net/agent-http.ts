import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { LookupFunction } from 'node:net';
import { env } from '@/lib/base/env';
import { isAddressAllowed, normaliseAddress, parseAllowList, type TAllowList } from './allow-list';

// The one HTTP client that talks to agents and Patroni. Vakt must not become a way to reach arbitrary
// addresses: every connection goes to an address checked against VAKT_AGENT_ALLOW *after* DNS
// resolution (the checked address is the one connected to — no second lookup, no rebinding),
// redirects are refused, answers are size-capped, and every request has a deadline.
export type TAgentHttpErrorKind = 'bad_url' | 'not_allowed' | 'timeout' | 'redirect' | 'too_large' | 'network';
export class AgentHttpError extends Error {
  /**
   * `connected`: the connection to the agent was established (the request may have reached it) before
   * the error; false = it never reached the agent (DNS failure, refused, connect timeout, not allowed).
   */
  constructor(readonly kind: TAgentHttpErrorKind, message: string, readonly connected = false) {
    super(message);
  }
}

export type TAgentAuth = { bearer?: string | null; basic?: string | null };
export type TAgentRequestOptions = {
  method?: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  body?: unknown;
  auth?: TAgentAuth;
  timeoutMs?: number;
  maxBytes?: number;
  allow?: TAllowList;
  headers?: Record<string, string>;
};
export type TAgentResponse = { status: number; body: string; headers: http.IncomingHttpHeaders; durationMs: number };

export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;

let cachedAllow: TAllowList | undefined;
/** The allowlist from VAKT_AGENT_ALLOW (parsed once per process). */
export function agentAllowList(): TAllowList {
  const spec = env().VAKT_AGENT_ALLOW;
  if (!cachedAllow || cachedAllow.spec !== spec) cachedAllow = parseAllowList(spec);
  return cachedAllow;
}

// Keep-alive pools with bounded sockets: the poller reuses connections to agents across cycles.
// One pool per allowlist, so a socket checked under one list is never reused under another.
type TPool = { http: http.Agent; https: https.Agent };
const pools = new Map<string, TPool>();
let maxSockets: number | undefined;
export function configureAgentPool(sockets: number): void {
  if (maxSockets === sockets) return;
  resetPools();
  maxSockets = sockets;
}
function resetPools() {
  for (const p of pools.values()) {
    p.http.destroy();
    p.https.destroy();
  }
  pools.clear();
}
function pool(allow: TAllowList): TPool {
  let p = pools.get(allow.spec);
  if (!p) {
    maxSockets ??= Math.max(16, env().VAKT_POLL_CONCURRENCY);
    const o = { keepAlive: true, keepAliveMsecs: 10_000, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' as const };
    p = { http: new http.Agent(o), https: new https.Agent(o) };
    pools.set(allow.spec, p);
  }
  return p;
}

function parseUrl(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new AgentHttpError('bad_url', `not a URL: ${raw}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new AgentHttpError('bad_url', `only http and https agent URLs are allowed (got ${u.protocol})`);
  if (u.username || u.password) throw new AgentHttpError('bad_url', 'credentials in the URL are not allowed; use the agent token');
  return u;
}
const bareHost = (u: URL) => u.hostname.replace(/^\[|\]$/g, '');

function guardedLookup(allow: TAllowList): LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    dns.lookup(hostname, { all: true, family: options.family ?? 0 }, (err, addrs) => {
      if (err) return callback(err);
      void (async () => {
        const ok: dns.LookupAddress[] = [];
        for (const a of addrs) if (await isAddressAllowed(allow, a.address)) ok.push(a);
        if (!ok.length) {
          const e = new AgentHttpError('not_allowed', `${hostname} resolves to ${addrs.map((a) => a.address).join(', ')}, outside VAKT_AGENT_ALLOW`);
          return callback(e);
        }
        if (options.all) callback(null, ok);
        else callback(null, ok[0].address, ok[0].family);
      })();
    });
  }) as LookupFunction;
}

/** Registration-time check: http(s) only, no credentials, and the host resolves inside the allowlist. */
export async function assertAgentUrlAllowed(raw: string, allow: TAllowList = agentAllowList()): Promise<void> {
  const u = parseUrl(raw);
  const host = bareHost(u);
  let addrs: string[];
  if (net.isIP(host)) addrs = [host];
  else {
    try {
      addrs = (await dns.promises.lookup(host, { all: true })).map((a) => a.address);
    } catch (e) {
      throw new AgentHttpError('not_allowed', `cannot resolve ${host}: ${(e as Error).message}`);
    }
  }
  const allowed: string[] = [];
  for (const a of addrs) if (await isAddressAllowed(allow, a)) allowed.push(a);
  if (!allowed.length) throw new AgentHttpError('not_allowed', `${host} (${addrs.map((a) => normaliseAddress(a).address).join(', ')}) is outside VAKT_AGENT_ALLOW (${allow.spec})`);
}

/** One request to an agent or Patroni URL under the SSRF guard. Resolves with any status below 300 or ≥ 400. */
export async function agentRequest(rawUrl: string, opts: TAgentRequestOptions = {}): Promise<TAgentResponse> {
  const u = parseUrl(rawUrl);
  const allow = opts.allow ?? agentAllowList();
  const host = bareHost(u);
  if (net.isIP(host) && !(await isAddressAllowed(allow, host))) throw new AgentHttpError('not_allowed', `${host} is outside VAKT_AGENT_ALLOW`);
  const timeoutMs = opts.timeoutMs ?? env().VAKT_POLL_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.auth?.bearer) headers.authorization = `Bearer ${opts.auth.bearer}`;
  else if (opts.auth?.basic) headers.authorization = `Basic ${Buffer.from(opts.auth.basic).toString('base64')}`;
  const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  const isHttps = u.protocol === 'https:';
  const started = performance.now();
  return new Promise<TAgentResponse>((resolve, reject) => {
    let done = false;
    let connected = false;
    const finish = (e: Error | null, r?: TAgentResponse) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (e) reject(e);
      else resolve(r!);
    };
    const req = (isHttps ? https : http).request(
      {
        protocol: u.protocol,
        hostname: host,
        port: u.port || (isHttps ? 443 : 80),
        path: u.pathname + u.search,
        method: opts.method ?? 'GET',
        headers,
        agent: isHttps ? pool(allow).https : pool(allow).http,
        lookup: guardedLookup(allow),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          res.resume();
          req.destroy();
          return finish(new AgentHttpError('redirect', `answered ${status} redirect${res.headers.location ? ` to ${res.headers.location}` : ''}; redirects are not followed`, true));
        }
        const declared = Number(res.headers['content-length'] ?? NaN);
        if (declared > maxBytes) {
          req.destroy();
          return finish(new AgentHttpError('too_large', `answer of ${declared} bytes exceeds the ${maxBytes}-byte cap`, true));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            req.destroy();
            finish(new AgentHttpError('too_large', `answer exceeds the ${maxBytes}-byte cap`, true));
          } else chunks.push(c);
        });
        res.on('end', () => finish(null, { status, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers, durationMs: performance.now() - started }));
        res.on('error', (e) => finish(e));
        res.on('aborted', () => finish(new AgentHttpError('network', 'connection closed mid-answer', true)));
      },
    );
    // A pooled socket is connected already; a new one once it emits 'connect' (TLS: before the handshake).
    req.on('socket', (s) => {
      if (!s.connecting) connected = true;
      else s.once('connect', () => (connected = true));
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish(new AgentHttpError('timeout', connected ? `no complete answer within ${timeoutMs} ms` : `could not connect within ${timeoutMs} ms`, connected));
    }, timeoutMs);
    req.on('error', (e) => {
      if (e instanceof AgentHttpError) return finish(e);
      const code = (e as NodeJS.ErrnoException).code;
      finish(new AgentHttpError('network', code ? `${code}: ${e.message}` : e.message, connected));
    });
    if (payload) req.end(payload);
    else req.end();
  });
}
