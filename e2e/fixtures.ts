import { test as base, expect, type APIRequestContext, type BrowserContext, type Page } from '@playwright/test';

// Demo users seeded by scripts/e2e.mjs (`vakt seed-demo`); see scripts/demo/seed-demo.ts.
export const USERS = {
  viewer: { email: 'viewer@vakt.demo', password: 'vakt-demo-viewer' },
  owner: { email: 'owner@vakt.demo', password: 'vakt-demo-owner' },
  operator: { email: 'operator@vakt.demo', password: 'vakt-demo-operator' },
  operator2: { email: 'operator2@vakt.demo', password: 'vakt-demo-operator2' },
  admin: { email: 'admin@vakt.demo', password: 'vakt-demo-admin' },
} as const;
export type TUserKey = keyof typeof USERS;

/** Signs in by POSTing next-auth's credentials callback (fast, no UI), leaving the session cookie in the context. */
export async function login(ctx: BrowserContext | APIRequestContext, who: TUserKey) {
  const request = 'request' in ctx ? ctx.request : ctx;
  const { csrfToken } = await (await request.get('/api/auth/csrf')).json();
  const res = await request.post('/api/auth/callback/credentials', {
    form: { csrfToken, email: USERS[who].email, password: USERS[who].password, json: 'true' },
    maxRedirects: 0,
  });
  expect([200, 302]).toContain(res.status());
  const session = await (await request.get('/api/auth/session')).json();
  expect(session?.user?.email, `sign-in as ${who} failed`).toBe(USERS[who].email);
}

export async function signInThroughForm(page: Page, who: TUserKey) {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(USERS[who].email);
  await page.getByLabel('Password').fill(USERS[who].password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
}

export const test = base;
export { expect };
