import { expect, login, signInThroughForm, test } from './fixtures';

// Declarations in the browser, role checks on the server, class catalog, audit trail (docs/api.md "Declarations", "Roles").
test.describe.configure({ mode: 'serial' });

const CONTEXT = 'inventory-tenancy'; // owned by team platform-inventory, of which owner@vakt.demo is a member

test('a service owner fixes a field error and sees the new version with its findings', async ({ page }) => {
  await signInThroughForm(page, 'owner');
  await page.goto(`/contexts/${CONTEXT}`);
  const before = Number(await page.getByTestId('current-version').innerText());
  await page.getByRole('link', { name: 'Edit declaration' }).click();
  await page.getByLabel('Retention (days)').fill('-3');
  await page.getByLabel('Reason for this change').fill('shorter retention (e2e)');
  await page.getByRole('button', { name: 'Save new version' }).click();
  const retention = page.getByLabel('Retention (days)');
  await expect(retention).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText(/retention/i).and(page.locator('.field-error'))).toBeVisible();

  await retention.fill('21');
  await page.getByRole('button', { name: 'Save new version' }).click();
  await page.waitForURL(new RegExp(`/contexts/${CONTEXT}$`));
  // an owner's save is a proposal (docs/api.md "Declaration lifecycle"): the accepted version stays
  await expect(page.getByTestId('current-version')).toHaveText(String(before));
  await expect(page.getByTestId('pending-proposal')).toContainText('shorter retention (e2e)');
  await expect(page.getByRole('heading', { name: /findings/i }).first()).toBeVisible();
});

test('a viewer sees no edit controls and the server refuses the change', async ({ page, context, baseURL }) => {
  await login(context, 'viewer');
  await page.goto(`/contexts/${CONTEXT}`);
  await expect(page.getByTestId('current-version')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Edit declaration' })).toHaveCount(0);
  await page.goto(`/contexts/${CONTEXT}/edit`);
  await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();

  const current = await (await context.request.get(`/api/v1/contexts/${CONTEXT}`)).json();
  const res = await context.request.put(`/api/v1/contexts/${CONTEXT}/declaration`, {
    headers: { origin: baseURL!, 'content-type': 'application/json' },
    data: { spec: { ...current.current.spec, runbook: 'viewer was here' } },
  });
  expect(res.status()).toBe(403);
  expect((await res.json()).error.code).toBe('FORBIDDEN');
});

test('an admin sets an unset class bound and the finding about it disappears; the audit page lists the changes', async ({ page, context }) => {
  await login(context, 'admin');
  // find a context carrying a "bound not chosen yet" finding, and the class it names
  const contexts = ((await (await context.request.get('/api/v1/contexts?limit=200')).json()) as { items: { slug: string }[] }).items;
  let target: { slug: string; code: string; className: string } | null = null;
  for (const c of contexts) {
    const { findings } = await (await context.request.get(`/api/v1/contexts/${c.slug}/findings`)).json();
    const f = (findings as { code: string; message: string }[]).find((x) => x.code === 'RPO_BOUND_UNSET' || x.code === 'RTO_BOUND_UNSET');
    if (f) {
      const detail = await (await context.request.get(`/api/v1/contexts/${c.slug}`)).json();
      const className = f.code === 'RPO_BOUND_UNSET' ? detail.current.spec.rpoClass : detail.current.spec.rtoClass;
      target = { slug: c.slug, code: f.code, className };
      break;
    }
  }
  expect(target, 'the demo seed has a context whose class bound is unset').not.toBeNull();
  await page.goto(`/contexts/${target!.slug}`);
  await expect(page.getByText(target!.code).first()).toBeVisible();

  await page.goto('/classes');
  const row = page.getByRole('row').filter({ has: page.getByText(target!.className, { exact: true }) });
  await row.getByLabel(/bound/i).fill('86400');
  await row.getByRole('button', { name: /save/i }).click();
  await expect(row.getByText(/unset/i)).toHaveCount(0);

  await page.goto(`/contexts/${target!.slug}`);
  await expect(page.getByText(target!.code)).toHaveCount(0);

  // the audit page's filters (other specs write many events before this one runs)
  await page.goto('/audit?action=class.updated');
  await expect(page.getByText('class.updated').first()).toBeVisible();
  await page.goto('/audit?action=declaration.');
  await expect(page.getByText(/^declaration\.(created|proposed|accepted)$/).first()).toBeVisible();
});
