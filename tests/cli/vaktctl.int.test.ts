import { inRequestScope } from '../support/next-request-scope';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { db } from '@/lib/base/db';
import { systemActor } from '@/lib/auth/actor';
import { createApiToken } from '@/lib/auth/tokens';
import { createTeam } from '@/lib/registry/teams';
import { setAutoAccept } from '@/lib/registry/lifecycle-review';
import { refreshUntilIdle } from '@/lib/readmodel/refresh';
import * as declarationRoute from '@/app/api/v1/contexts/[slug]/declaration/route';
import * as readinessRoute from '@/app/api/v1/contexts/[slug]/readiness/route';
import { declarationSpec } from '../support/declaration-fixture';
import type { TDeclarationSpec } from '@/lib/registry/declaration-schema';

// vaktctl (issue 16 item 4) as CI runs it: the bundled file (scripts/build-vaktctl.mjs) run with
// plain node against an HTTP server that serves the app's own route handlers (the ones `next start`
// would serve: withApi, token auth, the use cases, the database) — plan exit codes (0 none, 2 change,
// 1 error; findings fail only with --fail-on), plan saves nothing, apply is idempotent, --json.
const P = 'vctl-';
const SLUG = `${P}orders`;
const TEAM = `${P}team`;
type THandler = (r: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response>;
const ROUTES: Array<[string, RegExp, THandler]> = [
  ['PUT', /^\/api\/v1\/contexts\/([^/]+)\/declaration$/, declarationRoute.PUT as THandler],
  ['GET', /^\/api\/v1\/contexts\/([^/]+)\/readiness$/, readinessRoute.GET as THandler],
];

let server: http.Server;
let url: string;
let dir: string;
let bundle: string;
let admin: string;
let owner: string;
let stranger: string;

async function serve(req: http.IncomingMessage, res: http.ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const u = new URL(req.url ?? '/', 'http://127.0.0.1');
  const route = ROUTES.find(([m, re]) => m === req.method && re.test(u.pathname));
  if (!route) {
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${u.pathname}` } }));
    return;
  }
  const headers = new Headers(Object.entries(req.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v] as [string, string]] : [])));
  const request = new Request(u.href, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
  const slug = route[1].exec(u.pathname)![1];
  const r = await inRequestScope(u.pathname, () => route[2](request, { params: Promise.resolve({ slug }) }));
  res.writeHead(r.status, Object.fromEntries(r.headers.entries())).end(Buffer.from(await r.arrayBuffer()));
}

type TRun = { code: number; stdout: string; stderr: string };
async function vaktctl(args: string[], env: Record<string, string> = {}): Promise<TRun> {
  try {
    const r = await promisify(execFile)(process.execPath, [bundle, ...args], { env: { ...process.env, VAKT_URL: url, VAKT_TOKEN: owner, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}

function file(name: string, spec: Partial<TDeclarationSpec> = {}, extra: Record<string, unknown> = {}): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, stringify({ apiVersion: 'vakt/v1', kind: 'RecoveryDeclaration', context: SLUG, name: 'Orders', team: TEAM, ...extra, spec: declarationSpec({ justification: '', ...spec }) }));
  return p;
}
const version = async () => (await db.boundedContext.findUnique({ where: { slug: SLUG } }))?.currentVersion ?? null;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaktctl-'));
  bundle = path.join(dir, 'vaktctl.mjs');
  await promisify(execFile)(process.execPath, [path.resolve('scripts/build-vaktctl.mjs'), '--outfile', bundle]);
  server = http.createServer((req, res) => {
    serve(req, res).catch((e: Error) => res.writeHead(500).end(e.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await createTeam({ actor: systemActor('test'), name: TEAM });
  await createTeam({ actor: systemActor('test'), name: `${P}other` });
  // the CLI's mechanics from a team whose saves bind at once (README "Declaration lifecycle"); the last test turns it off
  await setAutoAccept({ actor: systemActor('test'), target: { team: TEAM }, on: true });
  admin = (await createApiToken({ actor: systemActor(), input: { name: `${P}admin`, role: 'admin' } })).token;
  owner = (await createApiToken({ actor: systemActor(), input: { name: `${P}owner`, role: 'service-owner', teams: [TEAM] } })).token;
  stranger = (await createApiToken({ actor: systemActor(), input: { name: `${P}stranger`, role: 'service-owner', teams: [`${P}other`] } })).token;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await db.boundedContext.deleteMany({ where: { slug: { startsWith: P } } });
  await db.apiToken.deleteMany({ where: { name: { startsWith: P } } });
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('vaktctl plan / apply / status against the app', () => {
  it('plan of a context that does not exist: an owner gets 404 (exit 1), an admin sees the creation (exit 2); nothing is saved', async () => {
    const f = file('new.yaml');
    const denied = await vaktctl(['plan', '-f', f]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('404 NOT_FOUND');
    const r = await vaktctl(['plan', '-f', f], { VAKT_TOKEN: admin });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`Context ${SLUG} does not exist yet: applying creates it.`);
    expect(r.stdout).toContain('+ spec.rpoClass: "RPO-1"');
    expect(await version()).toBeNull();
  });

  it('apply creates version 1; applying the same file again changes nothing (idempotent) and plan then exits 0', async () => {
    const f = file('v1.yaml');
    const first = await vaktctl(['apply', '-f', f, '--url', url, '--token', admin], { VAKT_URL: '', VAKT_TOKEN: '' });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`Applied: context ${SLUG} is at version 1.`);
    const again = await vaktctl(['apply', '-f', f]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`Nothing to apply: context ${SLUG} stays at version 1.`);
    expect(await version()).toBe(1);
    expect(await db.auditEvent.count({ where: { action: 'declaration.created', targetId: SLUG } })).toBe(1);
    const plan = await vaktctl(['plan', '-f', f]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('No changes: the declaration matches the current version.');
  });

  it('plan of a change exits 2 with the diff and the findings, saves nothing; --json for scripts', async () => {
    const f = file('v2.yaml', { rtoClass: 'RTO-3', backup: { ...declarationSpec().backup, retentionDays: 30 } });
    const r = await vaktctl(['plan', '-f', f]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain('~ spec.rtoClass: "RTO-2" -> "RTO-3"');
    expect(r.stdout).toContain('~ spec.backup.retentionDays: 14 -> 30');
    expect(r.stdout).toContain('Plan: version 2, 2 change(s).');
    const j = await vaktctl(['plan', '-f', f, '--json']);
    expect(j.code).toBe(2);
    const out = JSON.parse(j.stdout) as { changed: boolean; exitCode: number; currentVersion: number; diff: Array<{ path: string; before: unknown; after: unknown }>; findings: unknown[] };
    expect(out).toMatchObject({ changed: true, exitCode: 2, currentVersion: 1 });
    expect(out.diff).toEqual([{ path: 'rtoClass', before: 'RTO-2', after: 'RTO-3' }, { path: 'backup.retentionDays', before: 14, after: 30 }]);
    expect(Array.isArray(out.findings)).toBe(true);
    expect(await version()).toBe(1);
  });

  it('findings fail the plan only with --fail-on; apply --fail-on refuses before saving', async () => {
    // RPO 0 over asynchronous cross-site replication: lint error RPO_ZERO_ASYNC_CROSS_SITE
    const f = file('bad.yaml', { rpoClass: 'RPO-0' });
    const plain = await vaktctl(['plan', '-f', f]);
    expect(plain.code).toBe(2);
    expect(plain.stdout).toMatch(/error +RPO_ZERO_ASYNC_CROSS_SITE \(spec\.replication\.crossSite\)/);
    const failing = await vaktctl(['plan', '-f', f, '--fail-on', 'error', '--json']);
    expect(failing.code).toBe(1);
    expect((JSON.parse(failing.stdout) as { failing: string[] }).failing).toContain('RPO_ZERO_ASYNC_CROSS_SITE');
    const warnOnly = file('warn.yaml', { storage: undefined });
    expect((await vaktctl(['plan', '-f', warnOnly, '--fail-on', 'error'])).code).toBe(2);
    const w = await vaktctl(['plan', '-f', warnOnly, '--fail-on=warning']);
    expect(w.code).toBe(1);
    expect(w.stdout).toContain('STORAGE_ASSUMPTION_MISSING');
    const refused = await vaktctl(['apply', '-f', f, '--fail-on', 'error']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('Not applied.');
    expect(await version()).toBe(1);
  });

  it('errors exit 1 naming the problem: an outdated baseVersion (409), an unknown field (422), another team (403), a bad token (401), no URL', async () => {
    await vaktctl(['apply', '-f', file('v2.yaml', { rtoClass: 'RTO-3' })]);
    expect(await version()).toBe(2);
    const stale = await vaktctl(['plan', '-f', file('stale.yaml', { rtoClass: 'RTO-4' }, { baseVersion: 1 })]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('409 CONFLICT: context vctl-orders is at version 2, but this change starts from version 1');
    const unknown = await vaktctl(['plan', '-f', file('unknown.yaml', {}, { colour: 'blue' }), '--json']);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ error: { status: 422, code: 'VALIDATION' } });
    expect(unknown.stderr).toContain('colour');
    const other = await vaktctl(['apply', '-f', file('v3.yaml', { rtoClass: 'RTO-4' })], { VAKT_TOKEN: stranger });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('403 FORBIDDEN');
    expect((await vaktctl(['plan', '-f', file('v3.yaml')], { VAKT_TOKEN: 'vakt_not-a-real-token-000000000000' })).stderr).toContain('401 UNAUTHENTICATED');
    const noUrl = await vaktctl(['plan', '-f', file('v3.yaml')], { VAKT_URL: '' });
    expect(noUrl.code).toBe(1);
    expect(noUrl.stderr).toContain('no Vakt URL: set VAKT_URL or pass --url');
    expect((await vaktctl(['plan', '-f', path.join(dir, 'missing.yaml')])).stderr).toContain('cannot read');
    expect(await version()).toBe(2);
  });

  it('status CONTEXT prints the readiness summary (exit 0); --json is the API answer; an unknown context exits 1', async () => {
    await refreshUntilIdle({ kinds: ['context'] });
    const r = await vaktctl(['status', SLUG]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Context ${SLUG} \\(Orders\\): readiness computed \\d{4}-`));
    const j = await vaktctl(['status', SLUG, '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ slug: SLUG, name: 'Orders', stale: false });
    const missing = await vaktctl(['status', `${P}nope`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('404 NOT_FOUND');
  });

  it('without auto-accept an owner\'s apply is a proposal: the output says so and the accepted version stays', async () => {
    await setAutoAccept({ actor: systemActor('test'), target: { team: TEAM }, on: false });
    const before = await version();
    const r = await vaktctl(['apply', '-f', file('proposal.yaml', { rtoClass: 'RTO-1' })]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Proposed: version ${(before ?? 0) + 1} of ${SLUG} waits for an admin to accept it`);
    expect(await version()).toBe(before);
    const j = await vaktctl(['apply', '-f', file('proposal2.yaml', { rtoClass: 'RTO-2' }), '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ applied: true, status: 'proposed', created: true });
  });
});
