import type { APIRequestContext } from '@playwright/test';
import { expect, signInThroughForm, test } from './fixtures';
import { createRegisteredCluster, createToken, poll, tokenClient, waitForSafety, type TRegisteredCluster } from './support/harness-cluster';

// The alerts page (README "Alerting"): a real primary + replica is registered, its primary's
// PostgreSQL stops, the app's embedded worker fires "primary down"; an operator finds it on /alerts
// with what to do and a link to the cluster, silences it, and the silence is in the audit trail.
test.describe.configure({ mode: 'serial' });

const NAME = `pw-alerts-${Date.now().toString(36).slice(-5)}`;
const KEY = `primary_down/cluster/${NAME}`;
let admin: APIRequestContext;
let cluster: TRegisteredCluster | undefined;

test.beforeAll(async ({}, testInfo) => {
  testInfo.setTimeout(150_000);
  admin = await tokenClient(await createToken('admin', 'e2e-alerts-admin'));
  cluster = await createRegisteredCluster(admin, { name: NAME, contexts: ['sentral'] });
  await waitForSafety(admin, NAME, 'healthy', (x) => x.state === 'HEALTHY', 60_000);
  await cluster.pg.primary.stopPg();
  await poll(
    `${KEY} firing`,
    async () => ((await (await admin.get('/api/v1/alerts?state=firing')).json()) as { alerts: { key: string }[] }).alerts.some((a) => a.key === KEY),
    { timeoutMs: 60_000 },
  );
});

test.afterAll(async () => {
  await cluster?.pg.cleanup();
  await admin?.dispose();
});

test('an operator sees the primary-down alert with what to do, silences it, and the silence is audited', async ({ page }) => {
  await signInThroughForm(page, 'operator');
  await page.goto('/alerts');
  await expect(page.getByRole('heading', { name: 'Alerts', level: 1 })).toBeVisible();
  const row = page.locator(`tr[data-alert-key="${KEY}"]`);
  await expect(row).toBeVisible();
  await expect(row.getByText('Primary down')).toBeVisible();
  await expect(row.getByText(/promote the best candidate/)).toBeVisible();
  await expect(row.getByRole('link', { name: NAME })).toHaveAttribute('href', `/clusters/${NAME}`);

  const form = row.getByRole('form', { name: `Silence primary_down on ${NAME}` });
  await form.getByLabel('Reason').fill('e2e: primary stopped on purpose');
  await form.getByRole('button', { name: 'Silence' }).click();
  await expect(row.getByText(/Silenced until/)).toBeVisible();
  await page.reload();
  await expect(page.locator(`tr[data-alert-key="${KEY}"]`).getByText('silenced', { exact: true })).toBeVisible();
  await expect(page.getByText('e2e: primary stopped on purpose')).toBeVisible();

  const audit = (await (await admin.get('/api/v1/audit?action=silence.created')).json()) as { events: Array<{ actorLabel: string; after: { match: Record<string, string>; reason: string } }> };
  const entry = audit.events.find((e) => e.after?.match?.cluster === NAME);
  expect(entry?.after).toMatchObject({ match: { rule: 'primary_down', cluster: NAME }, reason: 'e2e: primary stopped on purpose' });
  expect(entry?.actorLabel).toBe('operator@vakt.demo');
});

test('a viewer sees the alert but no controls, and the server refuses a silence from a viewer', async ({ page, context, baseURL }) => {
  await signInThroughForm(page, 'viewer');
  await page.goto('/alerts');
  await expect(page.locator(`tr[data-alert-key="${KEY}"]`)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Silence' })).toHaveCount(0);
  const res = await context.request.post('/api/v1/silences', { headers: { origin: baseURL!, 'content-type': 'application/json' }, data: { match: { cluster: NAME }, until: new Date(Date.now() + 3_600_000).toISOString(), reason: 'viewer was here' } });
  expect(res.status()).toBe(403);
});
