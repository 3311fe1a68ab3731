import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, errorMessage, fetchJson, fieldInvalid, SESSION_ENDED } from './fetch-json';

// A real HTTP server on a free local port answers like the API does (docs/api.md error shape).
let server: Server;
let base = '';
const seen: { method?: string; type?: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, type: req.headers['content-type'], body });
      const send = (status: number, json?: unknown, raw?: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(raw ?? (json === undefined ? '' : JSON.stringify(json)));
      };
      if (req.url === '/ok') return send(200, { hello: 'world' });
      if (req.url === '/echo') return send(201, { got: JSON.parse(body) });
      if (req.url === '/empty') return send(200);
      if (req.url === '/html') return send(200, undefined, '<html></html>');
      if (req.url === '/invalid') return send(422, { error: { code: 'VALIDATION', message: 'invalid input: reason: too short', details: { fields: [{ path: 'reason', message: 'too short' }] } } });
      if (req.url === '/forbidden') return send(403, { error: { code: 'FORBIDDEN', message: 'the password is not correct' } });
      if (req.url === '/signed-out') return send(401, { error: { code: 'UNAUTHENTICATED', message: 'sign in' } });
      return send(500, undefined, 'boom');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as ApiError);

describe('fetchJson', () => {
  it('returns the parsed answer; sends a JSON body when given', async () => {
    expect(await fetchJson(`${base}/ok`)).toEqual({ hello: 'world' });
    expect(await fetchJson(`${base}/echo`, { method: 'POST', body: { reason: 'x' } })).toEqual({ got: { reason: 'x' } });
    expect(seen.at(-1)).toEqual({ method: 'POST', type: 'application/json', body: '{"reason":"x"}' });
    expect(await fetchJson(`${base}/empty`)).toBeNull();
  });

  it("throws the API's error code, message and field errors", async () => {
    const e = await failure(fetchJson(`${base}/invalid`, { method: 'POST', body: {} }));
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 422, code: 'VALIDATION', message: 'invalid input: reason: too short', fields: [{ path: 'reason', message: 'too short' }] });
    expect(fieldInvalid(e, 'reason')).toBe(true);
    expect(fieldInvalid(e, 'password')).toBeUndefined();
    expect(errorMessage(await failure(fetchJson(`${base}/forbidden`)))).toBe('the password is not correct');
  });

  it('says the session ended on 401, and names the status when the answer has no error body', async () => {
    expect(await failure(fetchJson(`${base}/signed-out`))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', message: SESSION_ENDED });
    expect(await failure(fetchJson(`${base}/nope`))).toMatchObject({ status: 500, code: 'HTTP_500', message: 'HTTP 500 Internal Server Error' });
    expect(await failure(fetchJson(`${base}/html`))).toMatchObject({ status: 200, code: 'BAD_RESPONSE' });
  });

  it('errorMessage of anything thrown', () => {
    expect(errorMessage(new Error('x'))).toBe('x');
    expect(errorMessage('plain')).toBe('plain');
  });
});
