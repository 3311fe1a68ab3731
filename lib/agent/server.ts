import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import type { Logger } from 'pino';
import { ZodError, type ZodType } from 'zod';
import type { TAgentConfig } from './config.ts';
import { createAgentLogger } from './logger.ts';
import { collectStatus } from './collect-status.ts';
import { fenceNode } from './fence-node.ts';
import { promoteNode } from './promote-node.ts';
import { unfenceNode } from './unfence-node.ts';
import { standbyNode } from './standby-node.ts';
import { upstreamNode } from './upstream-node.ts';
import { followNode } from './follow-node.ts';
import { resumeNode } from './resume-node.ts';
import { rewindNode } from './rewind-node.ts';
import { basebackupNode, discardAsideNode } from './basebackup-node.ts';
import { ZFenceRequest, ZPromoteRequest, ZStandbyRequest, ZUnfenceRequest, ZUpstreamRequest } from './protocol.ts';
import { DRILL_ID_RE, ZDrillRequest } from './protocol.ts';
import { createDrillManager } from './drills.ts';
import { ZFollowRequest, ZResumeRequest } from './protocol.ts';
import { AgentError, type TAgentContext } from './types.ts';
import { AGENT_VERSION } from './version.ts';

// Plain node:http. Every request carries `Authorization: Bearer <token>`; errors are
// `{error:{code,message}}` and never carry a stack trace.

const MAX_BODY_BYTES = 16 * 1024;
const ANSWER = Symbol('status');
const REQUEST_TIMEOUT_MS = 120_000;

export type TAgentServer = {
  server: http.Server;
  context: TAgentContext;
  /** Resolves with the bound address once listening (port 0 in the config picks a free port). */
  listen(): Promise<{ host: string; port: number; url: string }>;
  close(): Promise<void>;
};

function sha256(s: string) {
  return crypto.createHash('sha256').update(s, 'utf8').digest();
}

/** Constant-time: compares digests of equal length, whatever the presented token's length. */
export function tokenMatches(expected: string, header: string | undefined): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  const presented = m ? m[1].trim() : '';
  const ok = crypto.timingSafeEqual(sha256(expected), sha256(presented));
  return ok && presented.length > 0;
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
function sendError(res: http.ServerResponse, status: number, code: string, message: string, headers?: Record<string, string>) {
  send(res, status, { error: { code, message } }, headers);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new AgentError('PAYLOAD_TOO_LARGE', 413, `body larger than ${MAX_BODY_BYTES} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new AgentError('PAYLOAD_TOO_LARGE', 413, `body larger than ${MAX_BODY_BYTES} bytes`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function parseJson<T>(req: http.IncomingMessage, schema: ZodType<T>): Promise<T> {
  const text = await readBody(req);
  let raw: unknown;
  try {
    raw = JSON.parse(text || 'null');
  } catch {
    throw new AgentError('BAD_JSON', 400, 'request body is not valid JSON');
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    throw new AgentError('VALIDATION_FAILED', 422, msg);
  }
  return r.data;
}

export function createAgentServer(config: TAgentConfig, opts: { logger?: Logger } = {}): TAgentServer {
  const log = opts.logger ?? createAgentLogger({ level: config.logLevel, node: config.node });
  let chain: Promise<unknown> = Promise.resolve();
  const context: TAgentContext = {
    config,
    log,
    startedAt: new Date().toISOString(),
    version: AGENT_VERSION,
    caches: new Map(),
    exclusive<T>(fn: () => Promise<T>): Promise<T> {
      const run = chain.then(fn, fn);
      chain = run.catch(() => {});
      return run;
    },
  };

  const drills = createDrillManager(context);
  /** an answer other than 200 (drills: 202 Accepted while running) */
  const answer = (status: number, body: unknown) => ({ [ANSWER]: status, body });
  const drillIdOf = (url: URL) => {
    const id = decodeURIComponent(url.pathname.replace(/\/+$/, '').slice('/v1/drills/'.length));
    if (!DRILL_ID_RE.test(id)) throw new AgentError('NOT_FOUND', 404, `no drill ${id.slice(0, 80)}`);
    return id;
  };
  const routes: Record<string, Record<string, (req: http.IncomingMessage, url: URL) => Promise<unknown>>> = {
    '/v1/status': { GET: () => collectStatus(context) },
    '/v1/fence': { POST: async (req) => fenceNode(context, await parseJson(req, ZFenceRequest)) },
    '/v1/promote': { POST: async (req) => promoteNode(context, await parseJson(req, ZPromoteRequest)) },
    '/v1/unfence': { POST: async (req) => unfenceNode(context, await parseJson(req, ZUnfenceRequest)) },
    '/v1/standby': { POST: async (req) => standbyNode(context, await parseJson(req, ZStandbyRequest)) },
    '/v1/upstream': { POST: async (req) => upstreamNode(context, await parseJson(req, ZUpstreamRequest)) },
    '/v1/drills': { POST: async (req) => answer(202, drills.start(await parseJson(req, ZDrillRequest))) },
    '/v1/drills/{id}': {
      GET: async (_req, url) => drills.get(drillIdOf(url)),
      DELETE: async (_req, url) => drills.abort(drillIdOf(url)),
    },
    '/v1/follow': { POST: async (req) => followNode(context, await parseJson(req, ZFollowRequest)) },
    '/v1/resume': { POST: async (req) => resumeNode(context, await parseJson(req, ZResumeRequest)) },
    '/v1/rewind': { POST: async (req) => rewindNode(context, await parseJson(req, ZFollowRequest)) },
    '/v1/basebackup': { POST: async (req) => basebackupNode(context, await parseJson(req, ZFollowRequest)) },
    '/v1/discard-aside': { POST: async (req) => discardAsideNode(context, await parseJson(req, ZResumeRequest)) },
  };

  const server = http.createServer(async (req, res) => {
    const t0 = Date.now();
    const url = new URL(req.url ?? '/', 'http://agent');
    const clean = url.pathname.replace(/\/+$/, '') || '/';
    const route = routes[clean] ?? (clean.startsWith('/v1/drills/') ? routes['/v1/drills/{id}'] : undefined);
    try {
      if (!tokenMatches(config.token, req.headers.authorization)) {
        req.resume();
        log.warn({ method: req.method, path: url.pathname, remote: req.socket.remoteAddress }, 'unauthorized request');
        return sendError(res, 401, 'UNAUTHORIZED', 'missing or invalid bearer token', { 'www-authenticate': 'Bearer' });
      }
      if (!route) return sendError(res, 404, 'NOT_FOUND', `no route ${url.pathname}`);
      const handler = route[req.method ?? ''];
      if (!handler) return sendError(res, 405, 'METHOD_NOT_ALLOWED', `${req.method} not allowed on ${url.pathname}`, { allow: Object.keys(route).join(', ') });
      const body = await handler(req, url);
      if (body && typeof body === 'object' && ANSWER in body) {
        const a = body as { [ANSWER]: number; body: unknown };
        send(res, a[ANSWER], a.body);
      }
      else send(res, 200, body);
      // status is polled every few seconds: keep it out of the default log; actions are always logged
      const level = req.method === 'GET' ? 'debug' : 'info';
      log[level]({ method: req.method, path: url.pathname, status: 200, ms: Date.now() - t0 }, 'request');
    } catch (e) {
      if (e instanceof AgentError) {
        log.warn({ method: req.method, path: url.pathname, status: e.status, code: e.code, msg: e.message }, 'request failed');
        return sendError(res, e.status, e.code, e.message);
      }
      log.error({ method: req.method, path: url.pathname, err: e instanceof ZodError ? e.issues : (e as Error)?.message }, 'internal error');
      return sendError(res, 500, 'INTERNAL', e instanceof ZodError ? 'agent produced an invalid answer' : 'internal error');
    }
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;

  return {
    server,
    context,
    async listen() {
      await fs.mkdir(config.stateDir, { recursive: true, mode: 0o700 });
      await drills.sweep(); // a crashed drill's scratch instance goes before anything else runs
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.listen.port, config.listen.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const addr = server.address() as import('node:net').AddressInfo;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      log.info({ listen: `${host}:${addr.port}`, site: config.site, dataDir: config.dataDir }, 'vakt agent listening');
      return { host: addr.address, port: addr.port, url: `http://${host}:${addr.port}` };
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      });
      // let an in-flight fence/promote finish its steps; a running drill is aborted and torn down
      await Promise.all([chain.catch(() => {}), drills.close()]);
    },
  };
}
