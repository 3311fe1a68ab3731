import type { APIRequestContext, Browser, BrowserContext, Page } from '@playwright/test';
import { expect, login, test, USERS, type TUserKey } from './fixtures';
import { createRegisteredCluster, createToken, getSafety, poll, tokenClient, waitForSafety, type TRegisteredCluster } from './support/harness-cluster';

// The demo-style failover from the browser (docs/safety.md "Promotion workflow"). A real PostgreSQL primary + sync replica from
// the test harness, registered through the API with the seeded context inventory-tenancy
// (operator-approved, two approvals); the primary's PostgreSQL is killed; two operators in two
// browser contexts request and approve; the app's embedded worker executes; both screens follow the
// steps to COMPLETED without a reload. Role and step-up refusals are checked on the way.
test.describe.configure({ mode: 'serial' });

const CONTEXT = 'inventory-tenancy';
const NAME = `pw-${Date.now().toString(36).slice(-5)}`;

let admin: APIRequestContext;
let cluster: TRegisteredCluster | undefined;
let promotionId = '';

async function signedIn(browser: Browser, who: TUserKey): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext();
  await login(ctx, who);
  return { ctx, page: await ctx.newPage() };
}

test.beforeAll(async ({}, testInfo) => {
  testInfo.setTimeout(150_000);
  admin = await tokenClient(await createToken('admin', 'e2e-admin'));
  cluster = await createRegisteredCluster(admin, { name: NAME, contexts: [CONTEXT] });
  const a = cluster.pg.primary;
  await a.psql('CREATE TABLE orders (id int primary key, note text)');
  await a.psql("INSERT INTO orders SELECT g, 'before failover' FROM generate_series(1, 100) g");
  await cluster.pg.waitForReplay();
  // the app's worker must have seen it healthy (so it knows which member is the primary)
  await waitForSafety(admin, NAME, 'HEALTHY', (s) => s.state === 'HEALTHY', 60_000);
  await a.killPg();
});

test.afterAll(async () => {
  await cluster?.pg.cleanup();
  await admin?.dispose();
});

test('a viewer sees the GATED verdict but no request button, and the API answers 403', async ({ browser, baseURL }) => {
  const c = cluster!;
  await waitForSafety(admin, NAME, `${c.replica} GATED`, (s) => s.candidates.some((x) => x.node === c.replica && x.verdict === 'GATED'));
  const { ctx, page } = await signedIn(browser, 'viewer');
  try {
    await page.goto(`/clusters/${NAME}`);
    const candidate = page.getByRole('region', { name: 'Promotion safety' }).getByRole('article', { name: `candidate ${c.replica}` });
    await expect(candidate.getByText('GATED', { exact: true })).toBeVisible({ timeout: 30_000 });
    await expect(candidate.getByText('OPERATOR_APPROVAL', { exact: true }).first()).toBeVisible();
    await expect(page.getByRole('button', { name: /request promotion/i })).toHaveCount(0);

    const res = await ctx.request.post(`/api/v1/clusters/${NAME}/promotions`, {
      headers: { origin: baseURL!, 'content-type': 'application/json' },
      data: { candidate: c.replica, reason: 'a viewer tries' },
    });
    expect(res.status()).toBe(403);
    expect((await res.json()).error.code).toBe('FORBIDDEN');
  } finally {
    await ctx.close();
  }
});

test('two operators request and approve in two browsers; the steps progress to COMPLETED live on both screens', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const c = cluster!;
  const op1 = await signedIn(browser, 'operator');
  const op2 = await signedIn(browser, 'operator2');
  const viewer = await signedIn(browser, 'viewer');
  try {
    // operator 1: the cluster page shows the verdict; request with a reason
    const p1 = op1.page;
    await p1.goto(`/clusters/${NAME}`);
    const panel = p1.getByRole('region', { name: 'Promotion safety' });
    await expect(panel.getByText('PRIMARY_DOWN', { exact: true }).first()).toBeVisible({ timeout: 30_000 });
    const candidate = panel.getByRole('article', { name: `candidate ${c.replica}` });
    await expect(candidate.getByText('GATED', { exact: true })).toBeVisible();
    await expect(candidate.getByText(/approvals 0\/2/)).toBeVisible();
    await candidate.getByRole('button', { name: 'Request promotion', exact: true }).click();
    await candidate.getByLabel(`Why promote ${c.replica}?`).fill('oslo primary crashed (e2e); replica is in sync');
    await candidate.getByRole('button', { name: `Request promotion of ${c.replica}` }).click();
    await p1.waitForURL(/\/promotions\/[0-9a-f-]{36}$/);
    promotionId = p1.url().split('/').at(-1)!;
    await expect(p1.getByTestId('promotion-status')).toHaveText('PENDING');
    await expect(p1.getByText('oslo primary crashed (e2e); replica is in sync')).toBeVisible();

    // operator 2 opens the same promotion (PENDING, 0/2)
    const p2 = op2.page;
    await p2.goto(`/promotions/${promotionId}`);
    await expect(p2.getByTestId('promotion-status')).toHaveText('PENDING');
    // markers that survive only if neither page reloads or navigates from here on
    for (const p of [p1, p2]) await p.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

    await test.step('refusals while PENDING: viewer, no password, API token', async () => {
      await viewer.page.goto(`/promotions/${promotionId}`);
      await expect(viewer.page.getByTestId('promotion-status')).toHaveText('PENDING');
      await expect(viewer.page.getByRole('button', { name: /approve/i })).toHaveCount(0);
      await expect(viewer.page.getByRole('button', { name: /reject/i })).toHaveCount(0);

      const noPassword = await op2.ctx.request.post(`/api/v1/promotions/${promotionId}/approvals`, {
        headers: { origin: baseURL!, 'content-type': 'application/json' },
        data: {},
      });
      expect(noPassword.status()).toBe(422);
      expect((await noPassword.json()).error.details.fields.map((f: { path: string }) => f.path)).toContain('password');

      const api = await tokenClient(await createToken('operator', 'e2e-operator'));
      try {
        const withToken = await api.post(`/api/v1/promotions/${promotionId}/approvals`, { data: { password: USERS.operator.password } });
        expect(withToken.status()).toBe(403);
        expect((await withToken.json()).error.code).toBe('FORBIDDEN');
      } finally {
        await api.dispose();
      }
      const view = await (await admin.get(`/api/v1/promotions/${promotionId}`)).json();
      expect(view.status).toBe('PENDING');
      expect(view.approvals).toHaveLength(0);
    });

    // the requester approves first (allowed), operator 2 second (the requester may not be second)
    await approveInUi(p1, USERS.operator.password);
    await expect(p1.locator('dd').filter({ hasText: /^1\/2: / })).toContainText(USERS.operator.email);
    await approveInUi(p2, USERS.operator2.password);

    // both screens follow the worker's steps to the end, without a reload
    for (const p of [p1, p2]) {
      const steps = p.getByRole('list', { name: 'Promotion steps' });
      await expect(p.getByTestId('promotion-status')).toHaveText('COMPLETED', { timeout: 90_000 });
      for (const name of ['evaluate', 'claim-epoch', 'fence', 'promote', 'verify', 'done']) {
        await expect(steps.locator(`li[data-step="${name}"][data-status="ok"]`).first(), `${name} ok`).toBeVisible();
      }
      await expect(steps.locator('li[data-status="failed"]')).toHaveCount(0);
      expect(await p.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    }

    // what actually happened: epoch 1, the old primary fenced through its agent, the replica primary
    const view = await (await admin.get(`/api/v1/promotions/${promotionId}`)).json();
    expect(view).toMatchObject({ status: 'COMPLETED', epochBefore: 0, epochAfter: 1 });
    expect(view.approvals.map((a: { user: string }) => a.user)).toEqual([USERS.operator.email, USERS.operator2.email]);
    expect((await c.pg.primary.agent!.status()).fencing).toMatchObject({ fenced: true, epoch: 1 });
    const st = await c.pg.node(c.replica).agent!.status();
    expect(st.postgres.role).toBe('primary');
    expect(st.postgres.timeline).toBeGreaterThan(1);
    expect((await c.pg.node(c.replica).psql<{ n: number }>('SELECT count(*)::int AS n FROM orders'))[0].n).toBe(100);
    await poll('the app to see the new primary', async () => {
      const s = await getSafety(admin, NAME);
      return s.state !== 'PRIMARY_DOWN' && s.state !== 'SPLIT_BRAIN';
    });
  } finally {
    await Promise.all([op1.ctx.close(), op2.ctx.close(), viewer.ctx.close()]);
  }
});

/** Fills the approval form (password, plus the attestation / data-loss acknowledgment when asked) and submits. */
async function approveInUi(page: Page, password: string) {
  const form = page.getByRole('form', { name: 'Approve' });
  await expect(form).toBeVisible();
  await form.getByLabel('Your password (re-enter to approve)').fill(password);
  const attestation = form.getByLabel(/Attestation/);
  if (await attestation.count()) {
    const hint = await form.getByText(/Type exactly:/).innerText();
    await attestation.fill(hint.replace(/^.*Type exactly:\s*/, '').trim());
  }
  const ack = form.getByLabel(/Acknowledge the data loss/);
  if (await ack.count()) {
    const hint = await form.getByText(/type a number ≥/).innerText();
    await ack.fill(hint.replace(/^.*≥\s*/, '').trim());
  }
  await form.getByRole('button', { name: 'Approve promotion' }).click();
  await expect(form.getByText('Approval recorded.').or(page.getByTestId('promotion-status').getByText(/APPROVED|EXECUTING|COMPLETED/))).toBeVisible();
}

