import AxeBuilder from '@axe-core/playwright';
import { expect, login, test } from './fixtures';

// Accessibility scan (axe-core) of the main pages as an admin sees them (the most controls).
const PAGES = ['/signin', '/fleet', '/contexts', '/contexts/inventory-tenancy', '/contexts/inventory-tenancy/edit', '/classes', '/sites', '/teams', '/audit', '/promotions', '/admin/tokens'];

for (const path of PAGES) {
  test(`no serious accessibility violations on ${path}`, async ({ page, context }) => {
    if (path !== '/signin') await login(context, 'admin');
    await page.goto(path);
    await page.waitForLoadState('networkidle');
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length} × ${v.nodes[0]?.target.join(' ')})`)).toEqual([]);
  });
}
