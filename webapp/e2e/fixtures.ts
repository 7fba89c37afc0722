import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Credentials, JourneyAccounts, SystemInfo } from './system';
import { freshTotp } from './totp';

function system(): SystemInfo {
  const raw = process.env.E2E_SYSTEM;
  if (!raw) throw new Error('E2E_SYSTEM is not set: run through `npm run e2e` (global setup starts the system)');
  return JSON.parse(raw) as SystemInfo;
}

// The browser logs every 4xx answer as "Failed to load resource"; the journeys provoke
// some on purpose (the session probe before sign-in, another advisor's member, a used
// sign-up link). Those are network notes, not errors of the app; anything else fails the
// journey (422: a wrong code or password typed on purpose).
const EXPECTED_NETWORK_NOTE = /Failed to load resource: the server responded with a status of (400|401|404|422)/;

export const test = base.extend<{
  advisors: Credentials[];
  admin: Credentials;
  accounts: JourneyAccounts;
  motoUrl: string;
  consoleErrors: string[];
}>({
  baseURL: async ({}, use) => use(system().baseUrl),
  motoUrl: async ({}, use) => use(system().motoUrl),
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

/** The sign-up link in the latest email moto's SES recorded for `to` (the worker sent it), if any. */
export async function emailedSignupLink(motoUrl: string, to: string): Promise<string | null> {
  const response = await fetch(`${motoUrl}/moto-api/data.json`);
  if (!response.ok) return null;
  const data = (await response.json()) as { ses?: { Message?: { destinations?: { ToAddresses?: string[] }; body?: string }[] } };
  const sent = (data.ses?.Message ?? []).filter((message) => message.destinations?.ToAddresses?.includes(to));
  const match = sent.at(-1)?.body?.match(/https?:\/\/[^\s"<]+\/verify#token=[A-Za-z0-9_-]{43}/);
  return match ? match[0] : null;
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

/** axe on the page as it is now: no serious or critical violation (WCAG 2.x A and AA rules). */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  expect(serious, `axe on ${where}`).toEqual([]);
}

/** Run SQL on the system's database (rows no screen creates, such as an employer's members). */
export function runSql(sql: string, params: unknown[] = []): void {
  const databaseUrl = system().databaseUrl ?? process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('no database URL for this system');
  const python = process.env.E2E_PYTHON ?? join(process.cwd(), '..', '.venv', 'bin', 'python');
  const script = 'import json, sys, psycopg2\nc = psycopg2.connect(sys.argv[1]); c.autocommit = True\nc.cursor().execute(sys.argv[2], json.loads(sys.argv[3]))';
  const result = spawnSync(python, ['-c', script, databaseUrl, sql, JSON.stringify(params)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`SQL failed: ${result.stderr}`);
}

/** Press Tab until `target` has the focus (keyboard-only journeys). */
export async function tabTo(page: Page, target: import('@playwright/test').Locator, max = 60): Promise<void> {
  for (let presses = 0; presses < max; presses += 1) {
    if (await target.evaluate((element) => element === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target.toString()}`);
}
