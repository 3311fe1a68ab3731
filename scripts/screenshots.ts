// npm run screenshots: the README's pictures, taken from the RUNNING demo (`npm run demo`) in Chromium.
// Writes into docs/screenshots/: the overview, the promotion-safety panel of the demo cluster, a
// readiness page and a switchover record (in that order). When the demo has no completed switchover yet, it makes one
// through the API as the demo's two operators (one requests, the other approves with the password) and
// says so: the demo cluster's primary moves to the in-sync replica.
//
//   npm run screenshots                      # the demo on http://localhost:3000 (PORT=… as for npm run demo)
//   VAKT_DEMO_URL=http://127.0.0.1:3100 npm run screenshots
import fs from 'node:fs';
import path from 'node:path';
import { chromium, request, type APIRequestContext, type Page } from '@playwright/test';
import { DEMO_CLUSTER } from '@/scripts/demo/fleet';
import { DEMO_USERS } from '@/scripts/demo/seed-demo';

const BASE = (process.env.VAKT_DEMO_URL ?? `http://localhost:${process.env.PORT || 3000}`).replace(/\/$/, '');
const OUT = path.resolve('docs/screenshots');
const CHROMIUM = [process.env.VAKT_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && fs.existsSync(p));
const CONTEXT = 'inventory-tenancy';
const say = (m: string) => console.log(`[screenshots] ${m}`);

function user(role: string, nth = 0) {
  const u = DEMO_USERS.filter((x) => x.role === role)[nth];
  if (!u) throw new Error(`the demo seeds no ${role} #${nth + 1}`);
  return u;
}

/** A signed-in API session (next-auth credentials callback), as e2e/fixtures.ts does. */
async function session(email: string, password: string): Promise<APIRequestContext> {
  const api = await request.newContext({ baseURL: BASE, extraHTTPHeaders: { origin: BASE } });
  const { csrfToken } = await (await api.get('/api/auth/csrf')).json();
  await api.post('/api/auth/callback/credentials', { form: { csrfToken, email, password, json: 'true' }, maxRedirects: 0 });
  const s = await (await api.get('/api/auth/session')).json();
  if (s?.user?.email !== email) throw new Error(`could not sign in to the demo as ${email} (is ${BASE} the demo, seeded by npm run demo?)`);
  return api;
}

async function json<T>(api: APIRequestContext, method: 'GET' | 'POST', url: string, data?: unknown): Promise<T> {
  const res = await api.fetch(url, { method, ...(data === undefined ? {} : { data }) });
  if (!res.ok()) throw new Error(`${method} ${url}: HTTP ${res.status()} ${await res.text()}`);
  return (await res.json()) as T;
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

type TPromotion = { id: string; kind: string; status: string; candidate: string };
type TSafety = { state: string; switchover: { primary: string | null; candidates: Array<{ node: string; verdict: string; approvalsRequired: number }> } };

/** The newest completed switchover of the demo cluster, made through the API when there is none. */
async function switchoverRecord(): Promise<string> {
  const op1 = await session(user('operator').email, user('operator').password);
  const op2 = await session(user('operator', 1).email, user('operator', 1).password);
  try {
    const { promotions } = await json<{ promotions: TPromotion[] }>(op1, 'GET', `/api/v1/promotions?cluster=${DEMO_CLUSTER}&status=COMPLETED&limit=50`);
    const done = promotions.find((p) => p.kind === 'switchover');
    if (done) return done.id;
    const safety = await json<TSafety>(op1, 'GET', `/api/v1/clusters/${DEMO_CLUSTER}/safety`);
    // the synchronous replica first (a same-site move), else any candidate the verdict allows
    const { members } = await json<{ members: Array<{ name: string; syncState: string | null }> }>(op1, 'GET', `/api/v1/clusters/${DEMO_CLUSTER}`);
    const sync = new Set(members.filter((m) => m.syncState === 'sync').map((m) => m.name));
    const allowed = safety.switchover.candidates.filter((c) => c.verdict === 'GATED' || c.verdict === 'SAFE');
    const target = allowed.find((c) => sync.has(c.node)) ?? allowed[0];
    if (!target) throw new Error(`the demo has no switchover record and no switchover is possible now (cluster ${safety.state}; verdicts ${safety.switchover.candidates.map((c) => `${c.node} ${c.verdict}`).join(', ')})`);
    say(`the demo has no switchover record yet: making one through the API — ${user('operator').email} requests a switchover of ${DEMO_CLUSTER} from ${safety.switchover.primary} to ${target.node}, ${user('operator', 1).email} approves it`);
    const { id } = await json<{ id: string }>(op1, 'POST', `/api/v1/clusters/${DEMO_CLUSTER}/switchovers`, { candidate: target.node, reason: 'npm run screenshots: a switchover record for the README' });
    for (const [api, u] of [
      [op1, user('operator')],
      [op2, user('operator', 1)],
    ] as const) {
      const p = await json<TPromotion>(api, 'GET', `/api/v1/promotions/${id}`);
      if (p.status === 'PENDING') await json(api, 'POST', `/api/v1/promotions/${id}/approvals`, { password: u.password });
    }
    const end = await until('the switchover to finish', 180_000, async () => {
      const p = await json<TPromotion>(op1, 'GET', `/api/v1/promotions/${id}`);
      return ['COMPLETED', 'FAILED', 'REJECTED', 'EXPIRED', 'ABANDONED', 'CANCELLED'].includes(p.status) ? p.status : undefined;
    });
    say(`switchover ${id}: ${end}${end === 'COMPLETED' ? ` — the primary of ${DEMO_CLUSTER} is now ${target.node}` : ''}`);
    return id;
  } finally {
    await Promise.all([op1.dispose(), op2.dispose()]);
  }
}

async function capture(page: Page, name: string, what: string, selector?: string) {
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.waitForTimeout(1500); // charts animate in
  const file = path.join(OUT, `${name}.png`);
  if (selector) await page.locator(selector).first().screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: false });
  say(`${path.relative(process.cwd(), file)}: ${what}`);
}

async function main() {
  try {
    const r = await fetch(`${BASE}/api/health`, { signal: AbortSignal.timeout(5000) });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
  } catch (e) {
    throw new Error(`the demo is not running at ${BASE} (${(e as Error).message}): start it with \`npm run demo\` in another terminal (or set VAKT_DEMO_URL), wait for "Vakt demo is running", then run npm run screenshots again`);
  }
  if (!CHROMIUM) throw new Error('no Chromium found: install it (apt-get install -y chromium) or set VAKT_CHROMIUM');
  fs.mkdirSync(OUT, { recursive: true });

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, timezoneId: 'UTC', baseURL: BASE });
    const op = user('operator');
    const { csrfToken } = await (await ctx.request.get('/api/auth/csrf')).json();
    await ctx.request.post('/api/auth/callback/credentials', { form: { csrfToken, email: op.email, password: op.password, json: 'true' }, maxRedirects: 0 });
    const page = await ctx.newPage();
    await page.goto('/');
    await capture(page, 'overview', 'the overview (what needs attention, fleet health)');
    await page.goto(`/clusters/${DEMO_CLUSTER}`);
    await page.getByRole('region', { name: 'Promotion safety' }).waitFor();
    await capture(page, 'promotion-safety', `the promotion-safety panel of ${DEMO_CLUSTER}`, 'section[aria-label="Promotion safety"]');
    await page.goto(`/contexts/${CONTEXT}/readiness`);
    await capture(page, 'readiness', `the restore readiness of ${CONTEXT}`);
    // last: making a switchover record (when there is none) moves the demo's primary
    const switchoverId = await switchoverRecord();
    await page.goto(`/promotions/${switchoverId}`);
    await capture(page, 'switchover', `the switchover record ${switchoverId}`);
  } finally {
    await browser.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`[screenshots] ${(e as Error).message}`);
    process.exit(1);
  },
);
