import type { APIRequestContext } from '@playwright/test';
import { expect, signInThroughForm, test } from './fixtures';
import { createRegisteredCluster, createToken, poll, tokenClient, type TRegisteredCluster } from './support/harness-cluster';

// The fleet overview and the cluster page, live (README "Pages"). A real PostgreSQL primary + replica
// (test harness, agents in this process) is registered through the API with an admin token; a
// viewer signs in through the form, finds it on /fleet, opens its page, and sees the primary's
// PostgreSQL going down without reloading.
test.describe.configure({ mode: 'serial' });

const NAME = `pw-fleet-${Date.now().toString(36).slice(-5)}`;
let admin: APIRequestContext;
let cluster: TRegisteredCluster | undefined;

test.beforeAll(async ({}, testInfo) => {
  testInfo.setTimeout(150_000);
  admin = await tokenClient(await createToken('admin', 'e2e-fleet-admin'));
  cluster = await createRegisteredCluster(admin, { name: NAME, contexts: ['sentral'] });
  // the app's worker has polled both members
  await poll(
    `${NAME} observed`,
    async () => {
      const c = (await (await admin.get(`/api/v1/clusters/${NAME}`)).json()) as { members: { status: string }[] };
      return c.members.length === 2 && c.members.every((m) => m.status === 'ok');
    },
    { timeoutMs: 60_000 },
  );
});

test.afterAll(async () => {
  await cluster?.pg.cleanup();
  await admin?.dispose();
});

test('a viewer finds the cluster on the fleet overview and opens it', async ({ page }) => {
  await signInThroughForm(page, 'viewer');
  await page.goto('/fleet');
  await expect(page.getByRole('heading', { name: 'Fleet', level: 1 })).toBeVisible();
  const row = page.getByTestId(`fleet-row-${NAME}`);
  await expect(row).toBeVisible();
  await expect(row).toHaveAttribute('data-state', 'HEALTHY');
  await expect(row.getByText(`${NAME}-a`).first()).toBeVisible();
  await expect(row.getByText('primary').first()).toBeVisible();
  // a viewer registers nothing
  await expect(page.getByRole('link', { name: 'Register a cluster' })).toHaveCount(0);

  await row.getByRole('link', { name: NAME }).click();
  await page.waitForURL(new RegExp(`/clusters/${NAME}$`));
  await expect(page.getByRole('heading', { name: new RegExp(`Cluster\\s+${NAME}`) })).toBeVisible();
  await expect(page.getByTestId('cluster-state')).toHaveText('healthy');
  await expect(page.getByTestId(`member-${NAME}-a`)).toHaveAttribute('data-role', 'primary');
  await expect(page.getByTestId(`member-${NAME}-b`)).toHaveAttribute('data-role', 'replica');
  await expect(page.getByTestId(`member-${NAME}-b`)).toContainText('sync');
  await expect(page.getByTestId('cluster-events')).toContainText('first observed');
  await expect(page.getByRole('heading', { name: 'Replication lag (bytes)' })).toBeVisible();
});

test('the cluster page shows the primary going down without a reload', async ({ page }) => {
  await signInThroughForm(page, 'viewer');
  await page.goto(`/clusters/${NAME}`);
  await expect(page.getByTestId(`member-${NAME}-a`)).toHaveAttribute('data-status', 'ok');
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

  await cluster!.pg.primary.stopPg('fast');
  const primaryRow = page.getByTestId(`member-${NAME}-a`);
  await expect(primaryRow).toHaveAttribute('data-status', 'down', { timeout: 20_000 });
  await expect(primaryRow).toContainText('PostgreSQL down');
  await expect(page.getByTestId('cluster-state')).toHaveText('primary down');
  await expect(page.getByTestId('cluster-events')).toContainText('down');
  // still the same document: the change arrived through polling, not a navigation
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

  await page.goto('/fleet');
  await expect(page.getByTestId(`fleet-row-${NAME}`)).toHaveAttribute('data-state', 'PRIMARY_DOWN');
});

test('only admins reach the registration form', async ({ page }) => {
  await signInThroughForm(page, 'viewer');
  await page.goto('/clusters/new');
  await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
});
