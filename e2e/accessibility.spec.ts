import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { APIRequestContext } from '@playwright/test';
import { expect, login, test } from './fixtures';
import { createRegisteredCluster, createToken, switchableAgent, tokenClient, waitForSafety, type TRegisteredCluster } from './support/harness-cluster';

// Accessibility scan (axe-core, WCAG 2 A/AA, serious and critical) of EVERY page of the app (each
// app/**/page.tsx), as an admin sees it (the most controls). Pages with a path parameter are opened on
// real records: the seeded contexts, and a harness cluster registered here (primary + sync replica with
// in-process agents) with a switchover request (a promotion page with its approval form) and an
// external drill result (a drill page). A page added without a URL below fails the first test.
// Not serial: a page with violations does not hide the pages after it (the next worker registers its own cluster).

const NAME = `pw-a11y-${Date.now().toString(36).slice(-5)}`;
const CONTEXT = 'inventory-tenancy';
const ids = { promotion: '', drill: '' };

/** Route (folder under app/, `[param]` kept) → the URL scanned. Entries whose page does not exist (yet) are not scanned. */
const ROUTES: Record<string, () => string> = {
  '/': () => '/',
  '/signin': () => '/signin',
  '/forbidden': () => '/forbidden',
  '/fleet': () => '/fleet',
  '/sites': () => '/sites',
  '/teams': () => '/teams',
  '/classes': () => '/classes',
  '/audit': () => '/audit',
  '/alerts': () => '/alerts',
  '/readiness': () => '/readiness',
  '/admin': () => '/admin',
  '/admin/tokens': () => '/admin/tokens',
  '/contexts': () => '/contexts',
  '/contexts/[slug]': () => `/contexts/${CONTEXT}`,
  '/contexts/[slug]/edit': () => `/contexts/${CONTEXT}/edit`,
  '/contexts/new': () => '/contexts/new',
  '/contexts/[slug]/history': () => `/contexts/${CONTEXT}/history`,
  '/contexts/[slug]/readiness': () => `/contexts/${CONTEXT}/readiness`,
  '/clusters': () => '/clusters',
  '/clusters/new': () => '/clusters/new',
  '/clusters/[name]': () => `/clusters/${NAME}`,
  '/clusters/[name]/backups': () => `/clusters/${NAME}/backups`,
  '/promotions': () => '/promotions',
  '/promotions/[id]': () => `/promotions/${ids.promotion}`,
  '/drills': () => '/drills',
  '/drills/[id]': () => `/drills/${ids.drill}`,
};

/** Every page route of the app: the folders of app/**\/page.tsx, route groups `(x)` left out. */
function appRoutes(dir = 'app', prefix = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile() && e.name === 'page.tsx') out.push(prefix || '/');
    if (e.isDirectory() && e.name !== 'api') out.push(...appRoutes(path.join(dir, e.name), /^\(.*\)$/.test(e.name) ? prefix : `${prefix}/${e.name}`));
  }
  return out.sort();
}
const PAGES = appRoutes();

let admin: APIRequestContext;
let cluster: TRegisteredCluster | undefined;

test.beforeAll(async ({}, testInfo) => {
  testInfo.setTimeout(150_000);
  admin = await tokenClient(await createToken('admin', 'e2e-a11y-admin'));
  cluster = await createRegisteredCluster(admin, { name: NAME, contexts: ['sentral'], agentEnv: switchableAgent });
  await waitForSafety(admin, NAME, 'HEALTHY', (s) => s.state === 'HEALTHY', 60_000);
  // a switchover request (sentral: operator-approved, two approvals) stays PENDING: its page shows the approval form
  const operator = await tokenClient(await createToken('operator', 'e2e-a11y-operator'));
  try {
    const sw = await operator.post(`/api/v1/clusters/${NAME}/switchovers`, { data: { candidate: cluster.replica, reason: 'accessibility scan of a pending switchover' } });
    expect(sw.status(), await sw.text()).toBe(201);
    ids.promotion = (await sw.json()).id;
    const now = Date.now();
    const drill = await operator.post('/api/v1/drills/results', {
      data: { cluster: NAME, backupLabel: '20261201-101500F', startedAt: new Date(now - 60_000).toISOString(), finishedAt: new Date(now - 1000).toISOString(), succeeded: true, checks: [{ name: 'restore', ok: true, detail: 'restored (external runner)' }], runner: 'e2e-a11y' },
    });
    expect(drill.status(), await drill.text()).toBe(201);
    ids.drill = (await drill.json()).id;
  } finally {
    await operator.dispose();
  }
});

test.afterAll(async () => {
  await cluster?.pg.cleanup();
  await admin?.dispose();
});

test('every page of the app has a URL to scan', () => {
  expect(PAGES.length).toBeGreaterThan(20);
  expect(PAGES.filter((p) => !ROUTES[p]), 'pages without an entry in ROUTES of e2e/accessibility.spec.ts').toEqual([]);
});

for (const route of PAGES.filter((p) => ROUTES[p])) {
  test(`no serious accessibility violations on ${route}`, async ({ page, context }) => {
    if (route !== '/signin') await login(context, 'admin');
    const res = await page.goto(ROUTES[route]());
    expect(res?.status(), `${route} answers`).toBeLessThan(400);
    await page.waitForLoadState('networkidle');
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length} × ${v.nodes[0]?.target.join(' ')})`)).toEqual([]);
  });
}
