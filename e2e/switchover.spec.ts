import AxeBuilder from '@axe-core/playwright';
import type { APIRequestContext, Browser, BrowserContext, Page } from '@playwright/test';
import { expect, login, test, USERS, type TUserKey } from './fixtures';
import { createToken, poll, tokenClient } from './support/harness-cluster';
import { createPgCluster, type TPgCluster } from '../tests/support/pg-cluster';

// A scheduled planned switchover from the browser (README "Planned switchover, maintenance mode"). A real
// PostgreSQL primary + replica from the test harness, in-process agents that can re-point their node
// (VAKT_AGENT_REPLICATION_ADDRESS / _CONNINFO), registered through the API under a context created
// here (operator-approved, one approval). Operator 1 schedules the switchover from the cluster page,
// operator 2 approves it on the promotion page (password re-entry); the app's embedded worker runs it
// at its time, not before; the page shows it completed with its write gap; the old primary streams
// from the new one. Then a rejoin from the cluster page's Rejoin section: the old primary fenced through
// its agent, operator 1 requests its rejoin in a keyboard-operable dialog, a viewer sees no buttons,
// operator 2 approves it (password re-entry), the worker rewinds it and it ends COMPLETED, streaming.
test.describe.configure({ mode: 'serial' });

const NAME = `pw-sw-${Date.now().toString(36).slice(-5)}`;
const CONTEXT = `switchover-${Date.now().toString(36).slice(-5)}`;
let admin: APIRequestContext;
let cluster: TPgCluster | undefined;

type TSwitchoverSafety = { state: string; switchover: { primary: string | null; candidates: Array<{ node: string; verdict: string; approvalsRequired: number; reasons: Array<{ code: string }> }> } };

async function signedIn(browser: Browser, who: TUserKey): Promise<{ ctx: BrowserContext; page: Page }> {
  // UTC, so that the datetime-local field means the same instant to the browser and to this test
  const ctx = await browser.newContext({ timezoneId: 'UTC' });
  await login(ctx, who);
  return { ctx, page: await ctx.newPage() };
}

/** Until the app's switchover verdict for `candidate` is `verdict`. */
async function waitForSwitchoverVerdict(candidate: string, verdict: string, timeoutMs = 60_000) {
  let last = '';
  return poll(
    `switchover to ${candidate} ${verdict}`,
    async () => {
      const s = (await (await admin.get(`/api/v1/clusters/${NAME}/safety`)).json()) as TSwitchoverSafety;
      const c = s.switchover.candidates.find((x) => x.node === candidate);
      last = `${s.state} primary ${s.switchover.primary}: ${c?.verdict} (${c?.reasons.map((r) => r.code).join(',')})`;
      return c?.verdict === verdict ? c : undefined;
    },
    { timeoutMs, describe: () => last },
  );
}

test.beforeAll(async ({}, testInfo) => {
  testInfo.setTimeout(180_000);
  admin = await tokenClient(await createToken('admin', 'e2e-sw-admin'));
  const decl = await admin.put(`/api/v1/contexts/${CONTEXT}/declaration`, {
    data: {
      name: 'Switchover e2e',
      team: 'platform-switchover-e2e',
      reason: 'a context for the switchover browser test',
      spec: {
        dataOwnership: 'database-per-service',
        rpoClass: 'RPO-3',
        rtoClass: 'RTO-2',
        crossSite: 'optional',
        failover: 'operator-approved',
        replication: { local: 'async', crossSite: 'async' },
        approvalsRequired: 1,
        backup: { fullIntervalHours: 24, pitr: false, walArchiving: false, retentionDays: 7, drillCadenceDays: 0 },
        runbook: 'Switch over from the cluster page; the old primary follows the new one.',
      },
    },
  });
  expect(decl.status(), await decl.text()).toBe(200);
  expect(await decl.json()).toMatchObject({ version: 1, created: true });
  cluster = await createPgCluster({ primary: { name: `${NAME}-a`, site: 'oslo' }, replicas: [{ name: `${NAME}-b`, site: 'oslo' }], agents: 'in-process' });
  // each agent may re-point its node: the address others stream from, and how it connects to a new upstream
  for (const n of cluster.nodes) {
    await n.agent!.stop();
    Object.assign(n.agent!.env, { VAKT_AGENT_REPLICATION_ADDRESS: `127.0.0.1:${n.port}`, VAKT_AGENT_REPLICATION_CONNINFO: 'user=postgres', VAKT_AGENT_REWIND_CONNINFO: 'user=postgres dbname=postgres' });
    await n.agent!.start();
  }
  const res = await admin.post('/api/v1/clusters', {
    data: { name: NAME, kind: 'vakt-agent', contexts: [CONTEXT], members: cluster.nodes.map((n) => ({ name: n.name, site: n.site, agentUrl: n.agentUrl, agentToken: n.agentToken })) },
  });
  expect(res.status(), await res.text()).toBe(201);
  await cluster.primary.psql('CREATE TABLE orders (id int primary key, note text)');
  await cluster.primary.psql("INSERT INTO orders SELECT g, 'before the switchover' FROM generate_series(1, 100) g");
  await cluster.waitForReplay();
  expect(await waitForSwitchoverVerdict(`${NAME}-b`, 'GATED')).toMatchObject({ approvalsRequired: 1 });
});

test.afterAll(async () => {
  await cluster?.cleanup();
  await admin?.dispose();
});

test('an operator schedules a switchover, a second approves it, it runs at its time; the old primary follows the new one', async ({ browser }) => {
  test.setTimeout(240_000);
  const c = cluster!;
  const [a, b] = c.nodes;
  const op1 = await signedIn(browser, 'operator');
  const op2 = await signedIn(browser, 'operator2');
  try {
    // operator 1: the cluster page's switchover panel, scheduled at the next whole minute at least 40 s away
    // (the field has minute steps)
    const at = new Date(Math.ceil((Date.now() + 40_000) / 60_000) * 60_000);
    const p1 = op1.page;
    await p1.goto(`/clusters/${NAME}`);
    const panel = p1.getByRole('region', { name: 'Planned switchover' });
    await expect(panel.getByRole('heading', { name: `Planned switchover from ${a.name}` })).toBeVisible({ timeout: 30_000 });
    const target = panel.getByRole('article', { name: `switchover to ${b.name}` });
    await expect(target.getByText('GATED', { exact: true })).toBeVisible();
    await expect(target.getByText(/approvals 1/)).toBeVisible();
    const form = target.getByRole('form', { name: `switch over to ${b.name}` });
    await form.getByLabel(`Why switch over to ${b.name}?`).fill('kernel update on the primary (e2e)');
    await form.getByLabel('At (empty: as soon as approved)').fill(at.toISOString().slice(0, 16));
    await form.getByRole('button', { name: `Request switchover to ${b.name}` }).click();
    await p1.waitForURL(/\/promotions\/[0-9a-f-]{36}$/);
    const id = p1.url().split('/').at(-1)!;
    await expect(p1.getByTestId('promotion-status')).toHaveText('PENDING');
    await expect(p1.getByText(`Switch ${NAME} over to ${b.name}`)).toBeVisible();
    await expect(p1.getByTestId('switchover-facts')).toContainText('scheduled');

    // operator 2 approves on the promotion page, re-entering the password
    const p2 = op2.page;
    await p2.goto(`/promotions/${id}`);
    const approve = p2.getByRole('form', { name: 'Approve' });
    await approve.getByLabel('Your password (re-enter to approve)').fill(USERS.operator2.password);
    await approve.getByRole('button', { name: 'Approve promotion' }).click();
    await expect(p2.getByTestId('promotion-status')).toHaveText('APPROVED');
    const approved = await (await admin.get(`/api/v1/promotions/${id}`)).json();
    expect(approved).toMatchObject({ kind: 'switchover', status: 'APPROVED', switchover: { scheduledAt: at.toISOString() } });
    expect(approved.approvals.map((x: { user: string }) => x.user)).toEqual([USERS.operator2.email]);
    expect(Date.now(), 'approved before its time (otherwise the test proves nothing about the schedule)').toBeLessThan(at.getTime());

    // the embedded worker runs it at its time; both pages follow without a reload
    for (const p of [p1, p2]) await expect(p.getByTestId('promotion-status')).toHaveText('COMPLETED', { timeout: 150_000 });
    const steps = p1.getByRole('list', { name: 'Promotion steps' });
    for (const s of ['evaluate', 'claim-epoch', 'stop', 'catch-up', 'promote', 'follow', 'unfence', 'verify', 'done']) {
      await expect(steps.locator(`li[data-step="${s}"][data-status="ok"]`).first(), `${s} ok`).toBeVisible();
    }
    await expect(steps.locator('li[data-status="failed"]')).toHaveCount(0);
    const facts = p1.getByTestId('switchover-facts');
    await expect(facts).toContainText('switched, nothing lost');
    await expect(facts).toContainText(/write gap \d+ ms/);

    const view = await (await admin.get(`/api/v1/promotions/${id}`)).json();
    expect(view).toMatchObject({ status: 'COMPLETED', epochBefore: 0, epochAfter: 1, switchover: { outcome: 'switched', scheduledAt: at.toISOString() } });
    expect(view.switchover.writeGapMs).toBeGreaterThan(0);
    await expect(facts).toContainText(`write gap ${view.switchover.writeGapMs} ms`);
    const execution = view.steps.find((s: { name: string; status: string }) => s.name === 'execution' && s.status === 'started');
    expect(Date.parse(execution.at), 'not started before its time').toBeGreaterThanOrEqual(at.getTime());

    // what actually happened: the candidate is the primary on a new timeline, the old primary streams from it
    const st = await b.agent!.status();
    expect(st.postgres.role).toBe('primary');
    expect(st.postgres.timeline).toBe(2);
    expect((await b.psql<{ n: number }>('SELECT count(*)::int AS n FROM orders'))[0].n).toBe(100);
    await b.psql("INSERT INTO orders VALUES (101, 'after the switchover')");
    await poll(`${a.name} streaming from ${b.name} on timeline 2`, async () => {
      const [r] = await a.psql<{ status: string; tli: number; port: number }>('SELECT status, received_tli AS tli, sender_port AS port FROM pg_stat_wal_receiver');
      return r?.status === 'streaming' && r.tli === 2 && r.port === b.port;
    });
    expect((await a.psql<{ rec: boolean }>('SELECT pg_is_in_recovery() AS rec'))[0].rec).toBe(true);
    await poll(`${a.name} replays the row written on ${b.name}`, async () => (await a.psql<{ n: number }>('SELECT count(*)::int AS n FROM orders'))[0].n === 101);
    expect((await a.agent!.status()).fencing).toMatchObject({ fenced: false, epoch: 1 });
    console.log(`e2e switchover ${a.name} -> ${b.name} at ${at.toISOString()}: write gap ${view.switchover.writeGapMs} ms`);
  } finally {
    await Promise.all([op1.ctx.close(), op2.ctx.close()]);
  }
});

test('a fenced member is offered a rejoin: requested in a keyboard dialog, approved by a second operator, COMPLETED; viewers see no buttons', async ({ browser }) => {
  test.setTimeout(180_000);
  const c = cluster!;
  const [a, b] = c.nodes; // after the switchover: b the primary at epoch 1, a its replica
  // a fenced through its agent at the cluster's epoch (stopped, read-only on disk): it needs a rejoin
  const fenced = await a.agent!.request('/v1/fence', { method: 'POST', body: { epoch: 1, reason: 'e2e: fenced to be rejoined' } });
  expect(fenced.status, JSON.stringify(fenced.body)).toBe(200);
  const op1 = await signedIn(browser, 'operator');
  const op2 = await signedIn(browser, 'operator2');
  const viewer = await signedIn(browser, 'viewer');
  try {
    const p1 = op1.page;
    await p1.goto(`/clusters/${NAME}`);
    const region = p1.getByRole('region', { name: 'Rejoin' });
    const open = region.getByRole('button', { name: 'Request rejoin' });
    await expect(open).toBeVisible({ timeout: 60_000 });
    // keyboard: Enter opens the dialog with the focus in its field, Escape closes it and the focus is back
    await open.focus();
    await p1.keyboard.press('Enter');
    const dialog = p1.getByRole('dialog', { name: `Request rejoin of ${a.name}` });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel(`Why should ${a.name} rejoin?`)).toBeFocused();
    await p1.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(open).toBeFocused();
    await p1.keyboard.press('Enter');
    // no serious accessibility violation in the section, with the dialog open
    const axe = await new AxeBuilder({ page: p1 }).include('section[aria-label="Rejoin"]').withTags(['wcag2a', 'wcag2aa']).analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes[0]?.target.join(' ')})`)).toEqual([]);
    await p1.keyboard.type('back as a replica of the new primary (e2e)');
    await dialog.getByRole('button', { name: 'Request rejoin' }).click();
    const article = region.getByRole('article', { name: `rejoin ${a.name}` });
    await expect(article.getByTestId('rejoin-status')).toHaveText('PENDING', { timeout: 30_000 });
    await expect(article.getByRole('button', { name: 'Approve rejoin' }), 'the requester never approves').toHaveCount(0);
    await expect(article.getByRole('button', { name: 'Cancel' })).toBeVisible();

    // a viewer sees the request, and no action buttons
    await viewer.page.goto(`/clusters/${NAME}`);
    const vRegion = viewer.page.getByRole('region', { name: 'Rejoin' });
    await expect(vRegion.getByRole('article', { name: `rejoin ${a.name}` }).getByTestId('rejoin-status')).toHaveText('PENDING', { timeout: 30_000 });
    await expect(vRegion.getByRole('button')).toHaveCount(0);

    // operator 2 approves with the password; the worker rewinds, follows, verifies and unfences
    const p2 = op2.page;
    await p2.goto(`/clusters/${NAME}`);
    const article2 = p2.getByRole('region', { name: 'Rejoin' }).getByRole('article', { name: `rejoin ${a.name}` });
    await article2.getByRole('button', { name: 'Approve rejoin' }).click();
    const approve = p2.getByRole('dialog', { name: `Approve rejoin of ${a.name}` });
    await expect(approve.getByLabel('Your password (re-enter to approve)')).toBeFocused();
    await approve.getByLabel('Your password (re-enter to approve)').fill(USERS.operator2.password);
    await approve.getByRole('button', { name: 'Approve rejoin' }).click();
    for (const p of [p1, p2, viewer.page]) {
      await expect(p.getByRole('region', { name: 'Rejoin' }).getByRole('article', { name: `rejoin ${a.name}` }).getByTestId('rejoin-status')).toHaveText('COMPLETED', { timeout: 120_000 });
    }
    for (const s of ['request', 'approval', 'evaluate', 'rewind', 'follow', 'verify', 'unfence', 'done']) await expect(article.getByText(s, { exact: true }).first(), s).toBeVisible();
    await article.getByText('output').first().click();
    await expect(article.locator('pre').first()).toBeVisible();
    await expect(article.getByRole('button')).toHaveCount(0);
    await poll(`${a.name} streaming from ${b.name} again`, async () => {
      const [r] = await a.psql<{ status: string; port: number }>('SELECT status, sender_port AS port FROM pg_stat_wal_receiver').catch(() => []);
      return r?.status === 'streaming' && r.port === b.port;
    });
    expect((await a.agent!.status()).fencing).toMatchObject({ fenced: false, epoch: 1 });
  } finally {
    await Promise.all([op1.ctx.close(), op2.ctx.close(), viewer.ctx.close()]);
  }
});
