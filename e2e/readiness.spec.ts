import type { APIRequestContext } from '@playwright/test';
import { expect, signInThroughForm, test } from './fixtures';
import { createToken, poll, tokenClient } from './support/harness-cluster';
import { createPgCluster, type TPgCluster } from '../tests/support/pg-cluster';

// The readiness page (README "Restore readiness") against a real pgBackRest repository: a harness
// primary + replica archiving into pgBackRest with a full backup, registered through the API holding
// the seeded context task-orchestration. A viewer sees the seven answers with their numbers and the
// backup marked untrusted (never drilled); an operator then runs a restore drill from the cluster page
// (the embedded worker runs it on the replica's agent) and the page reads trusted. The backups page lists the full backup.
test.describe.configure({ mode: 'serial' });

const NAME = `pw-ready-${Date.now().toString(36).slice(-5)}`;
const CONTEXT = 'task-orchestration';
let admin: APIRequestContext;
let cluster: TPgCluster | undefined;
let label = '';

test.beforeAll(async ({}, testInfo) => {
  testInfo.setTimeout(180_000);
  admin = await tokenClient(await createToken('admin', 'e2e-ready-admin'));
  cluster = await createPgCluster({ primary: { name: `${NAME}-a`, site: 'oslo' }, replicas: [{ name: `${NAME}-b`, site: 'oslo' }], archive: 'pgbackrest', agents: 'in-process' });
  const res = await admin.post('/api/v1/clusters', {
    data: { name: NAME, kind: 'vakt-agent', contexts: [CONTEXT], members: cluster.nodes.map((n) => ({ name: n.name, site: n.site, agentUrl: n.agentUrl, agentToken: n.agentToken })) },
  });
  expect(res.status(), await res.text()).toBe(201);
  label = await poll(
    'the catalog stored by the worker',
    async () => {
      const b = (await (await admin.get(`/api/v1/clusters/${NAME}/backups`)).json()) as { restoreUses: string | null };
      return b.restoreUses ?? undefined;
    },
    { timeoutMs: 60_000 },
  );
  await poll('readiness computed', async () => {
    const r = (await (await admin.get(`/api/v1/contexts/${CONTEXT}/readiness`)).json()) as { stale: boolean; readiness: { clusters: Array<{ cluster: string; backup: { newest: { label: string } | null } }> } | null };
    return !r.stale && r.readiness?.clusters.some((c) => c.cluster === NAME && c.backup.newest?.label === label);
  }, { timeoutMs: 60_000 });
});

test.afterAll(async () => {
  await cluster?.cleanup();
  await admin?.dispose();
});

test('the readiness page answers the seven questions and marks the untrusted backup', async ({ page }) => {
  await signInThroughForm(page, 'viewer');
  await page.goto(`/contexts/${CONTEXT}/readiness`);
  const section = page.getByTestId(`readiness-${NAME}`);
  await expect(section).toBeVisible();
  for (let n = 1; n <= 7; n++) await expect(section.getByTestId(`answer-${n}`)).toBeVisible();
  await expect(section.getByTestId('answer-1')).toContainText(label);
  await expect(section.getByTestId('answer-2')).toContainText('newest full');
  await expect(section.getByTestId('restore-latest')).toHaveText(`pgbackrest --config=${cluster!.pgbackrest!.configPath} --stanza=vakt --delta restore`);
  await expect(section.getByTestId('answer-4')).toContainText('no successful restore drill');
  for (const s of ['node', 'site', 'region', 'logical']) await expect(section.getByTestId(`scenario-${s}`)).toBeVisible();
  await expect(section.getByTestId('scenario-region')).toContainText('its site is not declared');
  await expect(section.getByTestId('answer-7')).toContainText('cross-site');
  const trust = section.getByTestId('trust');
  await expect(trust).toContainText('Untrusted backup.');
  await expect(trust).toContainText('No restore drill has proven');
  await expect(trust).toContainText('How to fix');
});

test('an operator runs a restore drill from the browser and the context becomes trusted, with a measured restore time', async ({ page }) => {
  test.setTimeout(240_000);
  await signInThroughForm(page, 'operator');
  await page.goto(`/clusters/${NAME}`);
  const form = page.getByRole('form', { name: 'Run restore drill' });
  await form.getByRole('button', { name: 'Run restore drill' }).click();
  // the worker runs it on the replica's agent: pgbackrest restore into a scratch instance, checks, teardown
  const drills = page.getByTestId('drills');
  await expect(drills.getByRole('row').nth(1)).toContainText('succeeded', { timeout: 180_000 });
  await expect(drills.getByRole('row').nth(1)).toContainText(label);
  await poll('trusted', async () => {
    const r = (await (await admin.get(`/api/v1/contexts/${CONTEXT}/readiness`)).json()) as { readiness: { clusters: Array<{ cluster: string; trust: { trusted: boolean } }> } | null };
    return r.readiness?.clusters.find((x) => x.cluster === NAME)?.trust.trusted;
  }, { timeoutMs: 30_000 });
  await signInThroughForm(page, 'viewer');
  await page.goto(`/contexts/${CONTEXT}/readiness`);
  const section = page.getByTestId(`readiness-${NAME}`);
  await expect(section.getByTestId('trust')).toContainText('Trusted.');
  await expect(section.getByTestId('restore-estimate')).not.toContainText('unknown');
  await page.goto(`/clusters/${NAME}/backups`);
  await expect(page.getByTestId(`backup-${label}`)).toContainText('full');
  await expect(page.getByTestId('pitr-window')).toContainText(label);
  await page.goto('/readiness');
  await expect(page.getByTestId(`fleet-${CONTEXT}`).first()).toBeVisible();
});
