import type { APIRequestContext, BrowserContext, Page } from '@playwright/test';
import pg from 'pg';
import { expect, test } from './fixtures';
import { createRegisteredCluster, createToken, tokenClient, waitForSafety, type TRegisteredCluster } from './support/harness-cluster';
import { getFreePort } from '../scripts/pglocal/ports';
import { startOidcApp, startOidcProvider, type TOidcApp, type TOidcProvider } from './support/oidc-provider';

// Step-up for OIDC approvers (issue 16 item 3) against a real OpenID provider on loopback
// (oidc-provider) and a second `next start` configured to use it: an operator whose role and team come
// from the provider's claims signs in at the provider's login page; a Vakt session whose auth_time is
// an hour old (the provider remembered the login, so no login page was shown) cannot approve, and the
// server says why; "Sign in again" sends the person through a fresh login (prompt=login, max_age) and
// the approval is accepted.
test.describe.configure({ mode: 'serial' });

const CONTEXT = 'inventory-tenancy'; // operator-approved, two approvals: one approval leaves the request PENDING, so nothing executes
const NAME = `oidc-${Date.now().toString(36).slice(-5)}`;
const LOGIN = 'oidc-operator';
const PERSON = { email: 'oidc-operator@idp.example', name: 'OIDC Operator', vakt_role: 'operator', vakt_teams: ['platform-inventory', 'no-such-team'] };

let admin: APIRequestContext;
let cluster: TRegisteredCluster | undefined;
let oidc: TOidcProvider | undefined;
let app: TOidcApp | undefined;
let ctx: BrowserContext;
let page: Page;
let promotionId = '';

async function loginAtProvider(p: Page) {
  await expect(p).toHaveURL(new RegExp(`^${oidc!.issuer}/interaction/`));
  await p.locator('input[name="login"]').fill(LOGIN);
  await p.locator('input[name="password"]').fill('any password: the development login page takes any');
  await p.getByRole('button', { name: 'Sign-in' }).click();
}

test.beforeAll(async ({ browser }, testInfo) => {
  testInfo.setTimeout(150_000);
  admin = await tokenClient(await createToken('admin', 'e2e-oidc-admin'));
  cluster = await createRegisteredCluster(admin, { name: NAME, contexts: [CONTEXT] });
  await waitForSafety(admin, NAME, 'HEALTHY', (s) => s.state === 'HEALTHY', 60_000);
  // the primary's PostgreSQL dies (its agent stays up, so Vakt can fence it: no attestation needed)
  await cluster.pg.primary.killPg();
  const replica = cluster.replica;
  await waitForSafety(admin, NAME, `${replica} GATED`, (s) => s.candidates.some((x) => x.node === replica && x.verdict === 'GATED'));
  const operator = await tokenClient(await createToken('operator', 'e2e-oidc-operator'));
  try {
    const res = await operator.post(`/api/v1/clusters/${NAME}/promotions`, { data: { candidate: replica, reason: 'OIDC step-up e2e' } });
    expect(res.status(), await res.text()).toBe(201);
    promotionId = (await res.json()).id;
  } finally {
    await operator.dispose();
  }
  const port = await getFreePort();
  oidc = await startOidcProvider({ redirectUri: `http://127.0.0.1:${port}/api/auth/callback/oidc`, people: { [LOGIN]: PERSON } });
  app = await startOidcApp(oidc, port);
  ctx = await browser.newContext({ baseURL: app.baseURL });
  page = await ctx.newPage();
});

test.afterAll(async () => {
  await ctx?.close();
  await app?.stop();
  await oidc?.close();
  await cluster?.pg.cleanup();
  await admin?.dispose();
});

test('an operator signs in at the identity provider; role and teams come from its claims', async () => {
  await page.goto('/signin');
  await page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
  await loginAtProvider(page);
  await page.getByRole('button', { name: 'Continue' }).click(); // the provider's consent page, first time only
  await page.waitForURL((u) => u.origin === app!.baseURL && !u.pathname.startsWith('/signin'));
  const session = await (await ctx.request.get('/api/auth/session')).json();
  expect(session.user.email).toBe(PERSON.email);

  const c = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await c.connect();
  try {
    const { rows } = await c.query<{ role: string; teams: string[] }>(
      `SELECT u.role::text AS role, coalesce(array_agg(t.name ORDER BY t.name) FILTER (WHERE t.name IS NOT NULL), '{}') AS teams
         FROM vakt."User" u LEFT JOIN vakt."TeamMember" m ON m."userId" = u.id LEFT JOIN vakt."Team" t ON t.id = m."teamId"
        WHERE u.email = $1 GROUP BY u.role, u."passwordHash"`,
      [PERSON.email],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].role.toLowerCase()).toBe('operator');
    expect(rows[0].teams).toEqual(['platform-inventory']); // unknown teams in the claim are ignored
  } finally {
    await c.end();
  }
});

test('a session whose auth_time is older than the window cannot approve, and the server says why', async () => {
  // the provider remembers the login; its record now says it happened an hour ago
  const sessionCookie = (await ctx.cookies(oidc!.issuer)).find((k) => k.name === '_session');
  expect(sessionCookie, 'the provider set its session cookie').toBeTruthy();
  await oidc!.rewindLogin(sessionCookie!.value, 3600);
  // signing in to Vakt again goes through without a login page (single sign-on), carrying the old auth_time
  await page.goto(`/signin?callbackUrl=${encodeURIComponent(`/promotions/${promotionId}`)}`);
  await page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
  await page.waitForURL(`${app!.baseURL}/promotions/${promotionId}`);

  const form = page.getByRole('form', { name: 'Approve' });
  await expect(form.getByTestId('step-up-state')).toContainText('Approving needs a sign-in within the last 5 minutes.');
  await expect(form.getByLabel(/password/i)).toHaveCount(0);
  await expect(form.getByRole('button', { name: 'Approve promotion' })).toHaveCount(0);

  // the browser is not trusted: the approval route refuses on its own
  const res = await ctx.request.post(`/api/v1/promotions/${promotionId}/approvals`, { headers: { origin: app!.baseURL, 'content-type': 'application/json' }, data: {} });
  expect(res.status()).toBe(403);
  const body = await res.json();
  expect(body.error.code).toBe('FORBIDDEN');
  expect(body.error.details.reason).toBe('REAUTH_REQUIRED');
  expect(body.error.message).toMatch(/^your last sign-in at the identity provider was at \S+Z; approving needs a sign-in within the last 5 minutes: sign in again at the identity provider$/);
  const ageSeconds = (Date.now() - Date.parse(body.error.details.authTime)) / 1000;
  expect(ageSeconds).toBeGreaterThan(3500);
  const view = await (await admin.get(`/api/v1/promotions/${promotionId}`)).json();
  expect(view.approvals).toHaveLength(0);
});

test('"Sign in again" sends the operator through a fresh login at the provider, and the approval is accepted', async () => {
  const authorize = page.waitForRequest((r) => r.url().startsWith(`${oidc!.issuer}/auth?`));
  await page.getByRole('button', { name: 'Sign in again at your identity provider to approve' }).click();
  const asked = new URL((await authorize).url()).searchParams;
  expect(asked.get('prompt')).toBe('login');
  expect(asked.get('max_age')).toBe('300');
  // the provider shows its login page although it has a session for this person
  await loginAtProvider(page);
  await page.waitForURL(`${app!.baseURL}/promotions/${promotionId}`);

  const form = page.getByRole('form', { name: 'Approve' });
  await expect(form.getByTestId('step-up-state')).toContainText('you can approve until');
  await form.getByRole('button', { name: 'Approve promotion' }).click();
  await expect(form.getByText('Approval recorded.')).toBeVisible();
  await expect(page.getByTestId('promotion-approvals')).toHaveText(new RegExp(`^1/2: ${PERSON.email.replace(/\./g, '\\.')} `));
  const view = await (await admin.get(`/api/v1/promotions/${promotionId}`)).json();
  expect(view.status).toBe('PENDING');
  expect(view.approvals.map((a: { user: string }) => a.user)).toEqual([PERSON.email]);
});
