import type { APIRequestContext } from '@playwright/test';
import { expect, signInThroughForm, test } from './fixtures';
import { createRegisteredCluster, createToken, tokenClient, type TRegisteredCluster } from './support/harness-cluster';

// The operator's console (issue 17): the overview's two sections and their links, the main nav's
// aria-current, the shared table sorted and filtered by keyboard with a visible focus ring, and a
// cluster page chart with points within the first minute of a new harness cluster (primary + sync
// replica, agents in this process), then the overview turning red when its primary crashes.
test.describe.configure({ mode: 'serial' });

const NAME = `pw-console-${Date.now().toString(36).slice(-5)}`;
let admin: APIRequestContext;
let cluster: TRegisteredCluster | undefined;
let registeredAt = 0;

test.beforeAll(async ({}, testInfo) => {
  testInfo.setTimeout(150_000);
  admin = await tokenClient(await createToken('admin', 'e2e-console-admin'));
  cluster = await createRegisteredCluster(admin, { name: NAME, contexts: ['sentral'] });
  registeredAt = Date.now();
});

test.afterAll(async () => {
  await cluster?.pg.cleanup();
  await admin?.dispose();
});

test('a new cluster has lag and storage points on its page within the first minute', async ({ page }) => {
  test.setTimeout(90_000);
  await signInThroughForm(page, 'viewer');
  await page.goto(`/clusters/${NAME}`);
  const lag = page.getByTestId('chart-lag-bytes');
  await expect(lag.getByRole('heading', { name: 'Replication lag (bytes)' })).toBeVisible();
  // no reload: the page's own refresh brings the points
  await expect(async () => expect(Number(await lag.getAttribute('data-points'))).toBeGreaterThanOrEqual(2)).toPass({ timeout: Math.max(1, registeredAt + 60_000 - Date.now()) });
  const seconds = (Date.now() - registeredAt) / 1000;
  test.info().annotations.push({ type: 'lag chart: 2 points after registration', description: `${seconds.toFixed(1)} s` });
  console.log(`console.spec: lag chart had 2 points ${seconds.toFixed(1)} s after registration`);
  // a drawn line, and the latest value in words beside it
  await expect(lag.locator('.recharts-line path.recharts-curve').first()).toHaveAttribute('d', /^M[\d.,-]+[LC]/); // a straight segment (2 points) or the monotone curve (3 and more)
  await expect(page.getByTestId('chart-lag-bytes-summary')).toContainText(`Latest lag: ${NAME}-b`);
  await expect(page.getByTestId('chart-lag-seconds')).toHaveAttribute('data-points', /^[1-9]/);
  await expect(page.getByTestId('chart-free-storage-summary')).toContainText(`${NAME}-a`);
  // the stored history alone (samples at most every 15 s, 12 s buckets over the hour) reaches two points within the minute too
  await expect(async () => {
    const c = (await (await admin.get(`/api/v1/clusters/${NAME}?history=60`)).json()) as { history: { members: Array<{ name: string; points: Array<{ lagBytes: number | null }> }> } };
    const replica = c.history.members.find((m) => m.name === `${NAME}-b`);
    expect(replica?.points.filter((p) => p.lagBytes !== null).length ?? 0).toBeGreaterThanOrEqual(2);
  }).toPass({ timeout: Math.max(1, registeredAt + 60_000 - Date.now()) });
  console.log(`console.spec: two stored lag samples ${((Date.now() - registeredAt) / 1000).toFixed(1)} s after registration`);
  // the lag-in-seconds chart draws the context's RPO bound as a reference line
  await expect(page.getByTestId('chart-lag-seconds').getByRole('heading')).toContainText('against the RPO bound');
  await expect(page.getByTestId('chart-lag-seconds').locator('.recharts-reference-line')).toHaveCount(1);
});

test('the overview: nav first and current, needs attention, fleet health by site with links', async ({ page }) => {
  await signInThroughForm(page, 'viewer');
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Main' });
  const links = nav.getByRole('link');
  await expect(links.first()).toHaveText('Overview');
  await expect(links.first()).toHaveAttribute('href', '/');
  await expect(links.first()).toHaveAttribute('aria-current', 'page');
  await expect(links).toHaveText(['Overview', 'Fleet', 'Contexts', 'Readiness', 'Promotions', 'Drills', 'Alerts', 'Audit', 'Admin']);
  await expect(nav.locator('[aria-current="page"]')).toHaveCount(1);

  const attention = page.getByRole('region', { name: 'Needs attention' });
  await expect(attention).toBeVisible();
  // either items, each with a kind and a link, or the empty state saying what to look at next
  const items = attention.getByRole('listitem');
  if ((await items.count()) === 0) {
    await expect(attention.getByText('Nothing needs attention')).toBeVisible();
    await expect(attention.getByRole('link', { name: 'restore readiness' })).toHaveAttribute('href', '/readiness');
  } else {
    for (const li of await items.all()) await expect(li.getByRole('link')).toHaveCount(1);
  }

  const health = page.getByRole('region', { name: 'Fleet health' });
  const site = health.getByRole('table', { name: 'oslo' });
  const row = site.getByRole('row').filter({ has: page.getByRole('link', { name: NAME, exact: true }) });
  await expect(row.getByRole('link', { name: NAME, exact: true })).toHaveAttribute('href', `/clusters/${NAME}`);
  await expect(row.getByTestId(`overview-state-${NAME}`)).toHaveText('HEALTHY');
  await expect(row).toContainText(`${NAME}-a`);
  await expect(row).toContainText(/\d+(\.\d)? (B|KiB|MiB) · /);

  await nav.getByRole('link', { name: 'Readiness' }).click();
  await page.waitForURL(/\/readiness$/);
  await expect(nav.getByRole('link', { name: 'Readiness' })).toHaveAttribute('aria-current', 'page');
  await expect(nav.getByRole('link', { name: 'Overview' })).not.toHaveAttribute('aria-current', 'page');
  await page.goto(`/clusters/${NAME}`);
  await expect(nav.getByRole('link', { name: 'Fleet' })).toHaveAttribute('aria-current', 'page');
  await page.goto('/admin');
  await expect(page.getByRole('heading', { name: 'Admin', level: 1 })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Recovery classes' })).toHaveAttribute('href', '/classes');
  await expect(page.getByRole('link', { name: 'API tokens and users' })).toHaveCount(0);
});

test('the shared table sorts and filters by keyboard, with a visible focus ring', async ({ page }) => {
  await signInThroughForm(page, 'viewer');
  await page.goto('/readiness');
  const table = page.getByTestId('fleet-readiness');
  const bodyRows = table.locator('tbody tr');
  const firstCells = table.locator('tbody tr th[scope="row"]');
  const total = await bodyRows.count();
  expect(total).toBeGreaterThan(2);

  // Tab into the filter, type: only matching rows stay
  const filter = table.getByLabel('Filter');
  await page.getByRole('heading', { name: 'Restore readiness', level: 1 }).click();
  for (let i = 0; i < 40 && !(await filter.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(filter).toBeFocused();
  await page.keyboard.type('sentral');
  await expect(bodyRows).toHaveCount(await table.locator('tbody tr', { hasText: 'sentral' }).count());
  await expect(table.getByText(new RegExp(`\\d+ of ${total} rows`))).toBeVisible();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  await expect(bodyRows).toHaveCount(total);

  // Tab on to the first column's sort button; Enter sorts ascending, Enter again descending
  await page.keyboard.press('Tab');
  const sortContext = table.getByRole('button', { name: /context/ });
  await expect(sortContext).toBeFocused();
  const outline = await sortContext.evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline, 'a keyboard-focused control shows a focus ring').toBe('solid');
  const header = table.getByRole('columnheader', { name: /context/ });
  await expect(header).toHaveAttribute('aria-sort', 'none');
  await page.keyboard.press('Enter');
  await expect(header).toHaveAttribute('aria-sort', 'ascending');
  const asc = await firstCells.allTextContents();
  expect(asc).toEqual([...asc].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })));
  await page.keyboard.press('Enter');
  await expect(header).toHaveAttribute('aria-sort', 'descending');
  expect(await firstCells.allTextContents()).toEqual([...asc].reverse());
});

test('the overview shows the crashed primary as a red item with its cluster one click away', async ({ page }) => {
  test.setTimeout(60_000);
  await signInThroughForm(page, 'viewer');
  await page.goto('/');
  const health = page.getByRole('region', { name: 'Fleet health' });
  await expect(health.getByTestId(`overview-state-${NAME}`)).toHaveText('HEALTHY');
  await cluster!.pg.primary.killPg();
  const t0 = Date.now();
  // live: no reload
  await expect(health.getByTestId(`overview-state-${NAME}`)).toHaveText('PRIMARY_DOWN', { timeout: 20_000 });
  console.log(`console.spec: overview showed PRIMARY_DOWN ${((Date.now() - t0) / 1000).toFixed(1)} s after the crash`);
  const item = page.getByRole('region', { name: 'Needs attention' }).getByRole('listitem').filter({ hasText: 'Primary down' }).filter({ hasText: NAME });
  await expect(item).toHaveCount(1);
  await item.getByRole('link', { name: 'Open the cluster' }).click();
  await page.waitForURL(new RegExp(`/clusters/${NAME}$`));
  await expect(page.getByTestId('cluster-state')).toHaveText('primary down');
});

test('an operator silences the firing alert by keyboard alone, with a visible focus ring on each control', async ({ page }) => {
  test.setTimeout(90_000);
  const key = `primary_down/cluster/${NAME}`;
  await expect(async () => {
    const { alerts } = (await (await admin.get('/api/v1/alerts?state=firing')).json()) as { alerts: { key: string }[] };
    expect(alerts.map((a) => a.key)).toContain(key);
  }).toPass({ timeout: 60_000 });
  await signInThroughForm(page, 'operator');
  await page.goto('/');
  // the overview lists the alert, its link opens /alerts
  const item = page.getByRole('region', { name: 'Needs attention' }).getByRole('listitem').filter({ hasText: 'Alert firing' }).filter({ hasText: NAME });
  await expect(item.first()).toBeVisible();
  await item.first().getByRole('link', { name: 'Open alerts' }).click();
  await page.waitForURL(/\/alerts$/);
  const row = page.locator(`tr[data-alert-key="${key}"]`);
  const form = row.getByRole('form', { name: `Silence primary_down on ${NAME}` });
  const reason = form.getByLabel('Reason');
  // Tab from the top of the page until the reason field has focus: every control on the way is reachable
  await page.getByRole('heading', { name: 'Alerts', level: 1 }).click();
  for (let i = 0; i < 60 && !(await reason.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(reason).toBeFocused();
  expect(await reason.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid');
  await page.keyboard.type('console.spec: keyboard only');
  await page.keyboard.press('Tab');
  const submit = form.getByRole('button', { name: 'Silence' });
  await expect(submit).toBeFocused();
  expect(await submit.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid');
  await page.keyboard.press('Enter');
  await expect(row.getByText(/Silenced until/)).toBeVisible();
});
