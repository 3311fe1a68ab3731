import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentRequest, AgentHttpError, assertAgentUrlAllowed } from './agent-http';
import { isAddressAllowed, parseAllowList } from './allow-list';

let server: http.Server;
let base: string;
let port: number;
const seen: { auth?: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ auth: req.headers.authorization });
    if (req.url === '/ok') return res.end(JSON.stringify({ ok: true }));
    if (req.url === '/redirect') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' });
      return res.end();
    }
    if (req.url === '/big') {
      res.writeHead(200); // no content-length: streamed
      const chunk = Buffer.alloc(64 * 1024, 'a');
      for (let i = 0; i < 40; i++) res.write(chunk);
      return res.end();
    }
    if (req.url === '/hang') return; // never answers
    res.writeHead(500);
    res.end('boom');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const loopback = parseAllowList('127.0.0.0/8,::1/128,localhost');
const elsewhere = parseAllowList('10.0.0.0/8');

describe('allow list', () => {
  it.each([
    ['127.0.0.1', '127.0.0.0/8', true],
    ['::ffff:127.0.0.5', '127.0.0.0/8', true],
    ['10.1.2.3', '10.0.0.0/8', true],
    ['10.1.2.3', '10.0.0.0/16', false],
    ['192.168.1.10', '192.168.1.10', true],
    ['192.168.1.11', '192.168.1.10', false],
    ['::1', '::1/128', true],
    ['169.254.169.254', '127.0.0.0/8,10.0.0.0/8', false],
  ])('%s in %s -> %s', async (addr, spec, want) => {
    expect(await isAddressAllowed(parseAllowList(spec), addr)).toBe(want);
  });
  it('rejects malformed entries', () => {
    expect(() => parseAllowList('10.0.0.0/33')).toThrow(/bad CIDR/);
    expect(() => parseAllowList('http://x')).toThrow();
  });
});

describe('agentRequest', () => {
  it('fetches from an allowed address with a bearer token', async () => {
    const r = await agentRequest(`${base}/ok`, { allow: loopback, auth: { bearer: 'tok' }, timeoutMs: 2000 });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ ok: true });
    expect(seen.at(-1)?.auth).toBe('Bearer tok');
  });
  it('sends basic auth for user:password', async () => {
    await agentRequest(`${base}/ok`, { allow: loopback, auth: { basic: 'u:p' }, timeoutMs: 2000 });
    expect(seen.at(-1)?.auth).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });
  it('allows a hostname that resolves inside the list', async () => {
    const r = await agentRequest(`http://localhost:${port}/ok`, { allow: parseAllowList('127.0.0.0/8,::1/128'), timeoutMs: 2000 });
    expect(r.status).toBe(200);
  });
  it('refuses an address literal outside the list', async () => {
    await expect(agentRequest(`${base}/ok`, { allow: elsewhere })).rejects.toMatchObject({ kind: 'not_allowed' });
  });
  it('refuses a hostname that resolves outside the list (checked after DNS)', async () => {
    const e = await agentRequest(`http://localhost:${port}/ok`, { allow: elsewhere, timeoutMs: 2000 }).catch((x) => x);
    expect(e).toBeInstanceOf(AgentHttpError);
    expect(e.kind).toBe('not_allowed');
    expect(e.message).toMatch(/outside VAKT_AGENT_ALLOW/);
  });
  it('refuses redirects', async () => {
    await expect(agentRequest(`${base}/redirect`, { allow: loopback })).rejects.toMatchObject({ kind: 'redirect' });
  });
  it('refuses oversize answers', async () => {
    await expect(agentRequest(`${base}/big`, { allow: loopback, maxBytes: 1024 * 1024 })).rejects.toMatchObject({ kind: 'too_large' });
  });
  it('times out a hanging agent', async () => {
    const t = Date.now();
    await expect(agentRequest(`${base}/hang`, { allow: loopback, timeoutMs: 300 })).rejects.toMatchObject({ kind: 'timeout' });
    expect(Date.now() - t).toBeLessThan(2000);
  });
  it('returns 5xx as a status for the caller to judge', async () => {
    expect((await agentRequest(`${base}/nope`, { allow: loopback })).status).toBe(500);
  });
  it('reports a refused connection as network', async () => {
    await expect(agentRequest(`http://127.0.0.1:1/x`, { allow: loopback, timeoutMs: 2000 })).rejects.toMatchObject({ kind: 'network' });
  });
});

describe('assertAgentUrlAllowed', () => {
  it.each([
    ['http://127.0.0.1:7070', undefined],
    ['https://localhost:8008/prefix', undefined],
    ['ftp://127.0.0.1/', /only http and https/],
    ['http://u:p@127.0.0.1:7070', /credentials/],
    ['http://10.0.0.1:7070', /outside VAKT_AGENT_ALLOW/],
    ['not a url', /not a URL/],
  ])('%s', async (url, err) => {
    const p = assertAgentUrlAllowed(url, loopback);
    if (err) await expect(p).rejects.toThrow(err);
    else await expect(p).resolves.toBeUndefined();
  });
  it('refuses a name resolving outside', async () => {
    await expect(assertAgentUrlAllowed('http://localhost:1', elsewhere)).rejects.toMatchObject({ kind: 'not_allowed' });
  });
});
