import { test as base, expect, type Page } from '@playwright/test';
import { join } from 'node:path';
import type { Credentials, JourneyAccounts, SystemInfo } from './system';
import { freshTotp } from './totp';

function system(): SystemInfo {
  const raw = process.env.E2E_SYSTEM;
  if (!raw) throw new Error('E2E_SYSTEM is not set: run through `npm run e2e` (global setup starts the system)');
  return JSON.parse(raw) as SystemInfo;
}

// The browser logs every 4xx answer as "Failed to load resource"; the journeys provoke
// some on purpose (the session probe before sign-in, another advisor's member). Those are
// network notes, not errors of the app; anything else fails the journey (422: a wrong code
// or password typed on purpose).
const EXPECTED_NETWORK_NOTE = /Failed to load resource: the server responded with a status of (401|404|422)/;

export const test = base.extend<{
  advisors: Credentials[];
  admin: Credentials;
  accounts: JourneyAccounts;
  consoleErrors: string[];
}>({
  baseURL: async ({}, use) => use(system().baseUrl),
  advisors: async ({}, use) => use(system().credentials.filter((credentials) => credentials.role === 'advisor')),
  admin: async ({}, use) => {
    const admin = system().credentials.find((credentials) => credentials.role === 'admin');
    if (!admin) throw new Error('seed-demo printed no admin');
    await use(admin);
  },
  accounts: async ({}, use) => use(system().accounts),
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' && !EXPECTED_NETWORK_NOTE.test(message.text())) errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(String(error)));
      await use(errors);
      expect(errors, 'console errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Sign in through the form; with MFA on, also the code step (a code computed here). */
export async function signIn(page: Page, credentials: Credentials): Promise<void> {
  await page.getByLabel('Email').fill(credentials.email);
  await page.getByLabel('Password').fill(credentials.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (credentials.totpSecret) await enterCode(page, credentials.totpSecret);
}

/** Sign out from the frame and wait for the sign-in page. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to the advisor console' })).toBeVisible();
}

/** The second step of sign-in with a fresh code of the secret. */
export async function enterCode(page: Page, secret: string): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Verify it is you' })).toBeVisible();
  await page.getByLabel('Authentication code').fill(await freshTotp(secret));
  await page.getByRole('button', { name: 'Verify' }).click();
}

/** Save the journey's main screen where the CI keeps artifacts. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join('test-results', `${name}.png`), fullPage: true });
}

/** The id of a member as another user sees it, through the bff's API (not the UI). */
export async function memberIdAs(page: Page, credentials: Credentials, email: string): Promise<string> {
  const api = page.context().request;
  const login = await api.post('/api/v1/auth/login', { data: { email: credentials.email, password: credentials.password } });
  expect(login.ok()).toBeTruthy();
  const { csrf_token: csrf } = (await login.json()) as { csrf_token: string };
  const list = await api.get(`/api/v1/members?q=${encodeURIComponent(email)}`);
  const { items } = (await list.json()) as { items: { id: string; email: string }[] };
  const found = items.find((item) => item.email === email);
  await api.post('/api/v1/auth/logout', { headers: { 'X-CSRF-Token': csrf } });
  if (!found) throw new Error(`${credentials.email} cannot see ${email}`);
  return found.id;
}
