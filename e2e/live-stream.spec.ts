import type { APIRequestContext, Page } from '@playwright/test';
import { expect, signInThroughForm, test } from './fixtures';
import { createRegisteredCluster, createToken, poll, tokenClient, type TRegisteredCluster } from './support/harness-cluster';

// The live stream (GET /api/v1/stream, server-sent events fed by LISTEN/NOTIFY): a change the worker
// stores reaches an open cluster page through the stream, and with the stream cut the page still
// updates by polling, then picks the stream up again. The page never blanks what it shows (no flicker).
test.describe.configure({ mode: 'serial' });

const NAME = `pw-live-${Date.now().toString(36).slice(-5)}`;
let admin: APIRequestContext;
let cluster: TRegisteredCluster | undefined;

const member = (page: Page, name: string) => page.getByTestId(`member-${name}`);

/** Counts removals of the cluster state badge from the document (a re-mount would blank the page for a moment). */
async function watchFlicker(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { __removed: number };
    w.__removed = 0;
    new MutationObserver((records) => {
      for (const r of records) for (const n of r.removedNodes) if (n instanceof Element && (n.matches('[data-testid="cluster-state"]') || n.querySelector('[data-testid="cluster-state"]'))) w.__removed++;
    }).observe(document.body, { childList: true, subtree: true });
  });
}
const removals = (page: Page) => page.evaluate(() => (window as unknown as { __removed: number }).__removed);

test.beforeAll(async ({}, testInfo) => {
  testInfo.setTimeout(150_000);
  admin = await tokenClient(await createToken('admin', 'e2e-live-admin'));
  cluster = await createRegisteredCluster(admin, { name: NAME, contexts: ['sentral'] });
  await poll(
    `${NAME} healthy in the read model`,
    async () => ((await (await admin.get(`/api/v1/clusters/${NAME}`)).json()) as { state: string }).state === 'HEALTHY',
    { timeoutMs: 60_000 },
  );
});

test.afterAll(async () => {
  await cluster?.pg.cleanup();
  await admin?.dispose();
});

test('a change reaches an open page through the stream (the page clock is paused: no poll can bring it)', async ({ page }) => {
  await page.clock.install();
  await signInThroughForm(page, 'viewer');
  await page.goto(`/clusters/${NAME}`);
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-stream', 'on');
  await expect(member(page, cluster!.replica)).toHaveAttribute('data-status', 'ok');
  await watchFlicker(page);
  // From here the page's timers only run when the test advances them, 100 ms at a time, 12 s at most:
  // less than one safety-net refetch (15 s while the stream is up), so only a stream event can
  // make the page re-read.
  await page.clock.pauseAt(Date.now() + 1000);
  await cluster!.pg.replicas[0].stopPg('fast');
  let seen = false;
  for (let i = 0; i < 120 && !seen; i++) {
    await page.clock.runFor(100);
    seen = (await member(page, cluster!.replica).getAttribute('data-status')) === 'down';
    if (!seen) await page.waitForTimeout(150);
  }
  expect(seen, 'the replica shows down without any poll').toBe(true);
  await expect(page.getByTestId('cluster-state')).toHaveText('degraded');
  expect(await removals(page)).toBe(0);
});

test('with the stream cut the page still updates by polling, and reconnects when it can', async ({ page }) => {
  await page.route('**/api/v1/stream', (route) => route.abort('connectionreset'));
  await signInThroughForm(page, 'viewer');
  await page.goto(`/clusters/${NAME}`);
  await expect(member(page, cluster!.replica)).toHaveAttribute('data-status', 'down');
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-stream', 'off');
  await expect(page.getByTestId('live-status')).toContainText('polling');
  await watchFlicker(page);
  await cluster!.pg.replicas[0].startPg();
  await expect(member(page, cluster!.replica)).toHaveAttribute('data-status', 'ok', { timeout: 30_000 });
  await expect(page.getByTestId('cluster-state')).toHaveText('healthy');
  // it was polling that brought it: the stream never connected
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-stream', 'off');
  await page.unroute('**/api/v1/stream');
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-stream', 'on', { timeout: 20_000 });
  expect(await removals(page)).toBe(0);
});

test('the stream needs a viewer: no credentials, 401', async ({ playwright }) => {
  const anon = await playwright.request.newContext({ baseURL: process.env.E2E_BASE_URL });
  const r = await anon.get('/api/v1/stream');
  expect(r.status()).toBe(401);
  await anon.dispose();
});
