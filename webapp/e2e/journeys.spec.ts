/**
 * The advisor journeys of issue 7, in headless Chromium against the running bff, gateway
 * web and worker, and the provider simulator (started by e2e/global-setup.ts).
 *
 * Demo data (shared.ops seed-demo): members demo.member.N@example.com, advisors
 * alternating (even N: the first advisor), SMS opt-in unless N is a multiple of 3.
 */
import { randomUUID } from 'node:crypto';
import { emailedSignupLink, expectAccessible, expect, memberIdAs, runSql, screenshot, signIn, signOut, tabTo, test } from './fixtures';
import { freshTotp } from './totp';

const ALICES_OPTED_IN = 'demo.member.2@example.com';
const ALICES_FOR_LINKING = 'demo.member.4@example.com';
const ALICES_NOT_OPTED_IN = 'demo.member.6@example.com';
const BOBS_MEMBER = 'demo.member.1@example.com';

async function openMember(page: import('@playwright/test').Page, email: string) {
  await page.getByLabel('Search by name or email').fill(email);
  await page.getByRole('button', { name: 'Search' }).click();
  const row = page.getByRole('row').filter({ hasText: email });
  await expect(row).toHaveCount(1);
  await row.getByRole('link').click();
  await expect(page.getByRole('heading', { level: 1 })).not.toHaveText('Members');
  await expect(page.getByRole('heading', { name: 'Messages' })).toBeVisible();
}

test('an advisor signs in, sends an SMS and sees it delivered live, the page asking nothing', async ({ page, advisors }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in/);
  await expectAccessible(page, 'sign-in');
  await signIn(page, advisors[0]!);
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
  await expectAccessible(page, 'member list');
  await openMember(page, ALICES_OPTED_IN);
  await expect(page.getByText('Live: changes appear as they happen')).toBeVisible();
  await expectAccessible(page, 'member page');

  // From here on the page may only send the SMS: statuses must arrive by push.
  const screenReads: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (/^\/api\/v1\/members\/[^/]+$/.test(path) || /^\/api\/v1\/members\/[^/]+\/events$/.test(path)) screenReads.push(path);
  });
  const text = `Hello from the e2e journey ${Date.now()}`;
  await page.getByLabel(/SMS to/).fill(text);
  await page.getByRole('button', { name: 'Send SMS' }).click();
  await expect(page.getByText('Message queued')).toBeVisible();

  let navigations = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations += 1;
  });
  const message = page.locator('.message').filter({ hasText: text });
  await expect(message.getByText('Delivered')).toBeVisible({ timeout: 30_000 });
  expect(navigations, 'the page did not reload').toBe(0);
  expect(screenReads, 'no screen refetch and no new stream after load').toEqual([]);
  await screenshot(page, 'journey-sms-delivered');
});

test('keyboard only: sign in, open a member and send an SMS', async ({ page, advisors }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in/);
  await tabTo(page, page.getByLabel('Email'));
  await page.keyboard.type(advisors[0]!.email);
  await tabTo(page, page.getByLabel('Password'));
  await page.keyboard.type(advisors[0]!.password);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
  await tabTo(page, page.getByLabel('Search by name or email'));
  await page.keyboard.type(ALICES_OPTED_IN);
  await page.keyboard.press('Enter');
  const link = page.getByRole('row').filter({ hasText: ALICES_OPTED_IN }).getByRole('link');
  await expect(link).toHaveCount(1);
  await tabTo(page, link);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Messages' })).toBeVisible();
  await tabTo(page, page.getByLabel(/SMS to/));
  await page.keyboard.type('Sent with the keyboard only');
  await tabTo(page, page.getByRole('button', { name: 'Send SMS' }));
  await page.keyboard.press('Enter');
  await expect(page.getByText('Message queued')).toBeVisible();
  await expect(page.locator('.message').filter({ hasText: 'Sent with the keyboard only' })).toBeVisible();
});

test('the member page charts wellness and balances, with their figures in words', async ({ page, advisors }) => {
  await page.goto('/members');
  await signIn(page, advisors[0]!);
  await openMember(page, ALICES_OPTED_IN);
  const wellness = page.getByTestId('wellness-chart');
  await expect(wellness.locator('svg').first()).toBeVisible();
  await expect(wellness.locator('figcaption')).toContainText(/Healthy up to 25% \(\$[\d,]+\.\d{2}\), medium up to 75%/);
  await expectAccessible(page, 'member page with charts');
  await screenshot(page, 'journey-charts');
});

test('an admin uploads a roster, follows it live and confirms the held terminations', async ({ page, admin }) => {
  await page.goto('/admin/employers');
  await signIn(page, admin);
  await expect(page.getByRole('heading', { name: 'Employers', level: 1 })).toBeVisible();
  await expectAccessible(page, 'employers');
  const name = `Journey Corp ${Date.now()}`;
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create employer' }).click();
  await expect(page.getByText(`Employer ${name} created.`)).toBeVisible();
  await page.getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  const employerId = page.url().split('/').pop()!;

  // Five active employees; the roster lists two, so three would go: above the 20% guard.
  const emails = Array.from({ length: 5 }, (_, n) => `journey.${n}.${Date.now()}@example.com`);
  for (const email of emails) {
    runSql(
      "INSERT INTO members (id, email, full_name, country, access_type, employer_id) VALUES (%s, %s, 'Employee', 'US', 'employer', %s)",
      [randomUUID(), email, employerId],
    );
  }
  const roster = `email,country\n${emails[0]},US\n${emails[1]},US\nnot-an-email,US\n`;
  await page.getByLabel('Roster (CSV)').setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(roster) });
  await expectAccessible(page, 'employer');
  await page.getByRole('button', { name: 'Upload and process' }).click();

  await expect(page.getByRole('heading', { name: 'Eligibility file' })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText('Waiting for your confirmation')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('cell', { name: 'email is not a valid address' })).toBeVisible();
  await expect(page.getByRole('link', { name: /Download the report/ })).toBeVisible();
  await expectAccessible(page, 'held file');
  const confirm = page.getByRole('button', { name: `Terminate 3 of 5 members of ${name}` });
  await expect(confirm).toBeVisible();
  await screenshot(page, 'journey-file-held');
  await confirm.click();
  await expect(page.locator('.score[role=status]')).toContainText('Done', { timeout: 30_000 });
  await expect(page.getByText('Terminated', { exact: true }).locator('..')).toContainText('3');
  await expectAccessible(page, 'finished file');
  await screenshot(page, 'journey-file-done');
});

test('the interactive API docs load from the bff itself', async ({ page, baseURL }) => {
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  await page.goto('/api/docs');
  await expect(page.locator('.swagger-ui .info .title')).toContainText('Origin advisor workspace API');
  await expect(page.getByText('/api/v1/members/{member_id}/events').first()).toBeVisible();
  // Every asset from the bff (a CSP violation would be a console error, failing the journey).
  expect(requested.filter((url) => !url.startsWith(baseURL!) && !url.startsWith('data:')), 'no third-party asset').toEqual([]);
});

test('SMS problems show before sending', async ({ page, advisors }) => {
  await page.goto('/members');
  await signIn(page, advisors[0]!);
  await openMember(page, ALICES_NOT_OPTED_IN);
  await expect(page.getByText('has not agreed to receive SMS')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Send SMS' })).toBeDisabled();
});

test('an advisor links an account through the simulator and sees its balances', async ({ page, advisors }) => {
  await page.goto('/members');
  await signIn(page, advisors[0]!);
  await openMember(page, ALICES_FOR_LINKING);

  const popupPromise = page.waitForEvent('popup');
  await page.getByRole('button', { name: 'Link an account' }).click();
  const popup = await popupPromise;
  await popup.waitForURL(/\/link\?token=/);
  await expect(popup.getByRole('heading', { name: 'Connect an account' })).toBeVisible();
  const closed = popup.waitForEvent('close', { timeout: 20_000 });
  await popup.getByRole('button', { name: 'Continue' }).click();
  await closed;

  await expect(page.getByText('Account linked.')).toBeVisible({ timeout: 20_000 });
  const accounts = page.getByRole('table', { name: /Accounts at/ }).first();
  await expect(accounts).toBeVisible({ timeout: 30_000 });
  await expect(accounts.getByRole('cell', { name: /^\$[\d,]+\.\d{2}$/ }).first()).toBeVisible({ timeout: 30_000 });
  const balances = page.getByTestId('balance-chart');
  await expect(balances.locator('svg').first()).toBeVisible();
  await expect(balances.locator('figcaption')).toContainText(/Current balances: .+\$[\d,]+\.\d{2}/);
  await expectAccessible(page, 'member page with accounts');
  await screenshot(page, 'journey-account-linked');
});

test('an advisor computes a risk profile and a wellness score', async ({ page, advisors }) => {
  await page.goto('/tools/risk-profile');
  await signIn(page, advisors[0]!);
  await expect(page).toHaveURL(/\/tools\/risk-profile$/);
  await page.getByLabel('Age').fill('35');
  await page.getByLabel('Dependents').fill('2');
  await page.getByLabel('Annual income (USD)').fill('0');
  await page.getByLabel('Marital status').selectOption('married');
  await page.getByLabel('Question 1 answered yes').check();
  await page.getByLabel('House').selectOption('owned');
  await page.getByLabel('Vehicle year (empty if none)').fill('2018');
  await page.getByRole('button', { name: 'Calculate risk profile' }).click();
  const plans = page.getByTestId('risk-result');
  // Origin's example: no income means ineligible for disability.
  await expect(plans.getByRole('row', { name: /Disability/ })).toContainText('Ineligible');
  await expect(plans.getByRole('row', { name: /Auto/ })).toContainText(/Economic|Regular|Responsible/);
  await expectAccessible(page, 'risk calculator');
  await screenshot(page, 'journey-risk-calculator');

  await page.getByRole('link', { name: 'Wellness calculator' }).click();
  await page.getByLabel('Annual gross income (USD)').fill('100000');
  await page.getByLabel('Monthly costs (USD)').fill('1500');
  await page.getByRole('button', { name: 'Calculate score' }).click();
  const result = page.getByTestId('wellness-result');
  await expect(result).toContainText('HEALTHY');
  await expect(result).toContainText('$92,000.00');
  await expect(result).toContainText('$18,000.00');
  await expect(result).toContainText('19.57%');
  await expectAccessible(page, 'wellness calculator');
  await screenshot(page, 'journey-wellness-calculator');
});

test("an advisor cannot open another advisor's member", async ({ page, advisors }) => {
  const bobsMember = await memberIdAs(page, advisors[1]!, BOBS_MEMBER);
  await page.goto(`/members/${bobsMember}`);
  await signIn(page, advisors[0]!);
  await expect(page.getByRole('heading', { name: 'Member not found' })).toBeVisible();
  await expect(page.getByText(BOBS_MEMBER)).toHaveCount(0);
  await expectAccessible(page, 'member not found');
  await screenshot(page, 'journey-member-not-found');
});

test('after signing out the back button shows no member data', async ({ page, advisors }) => {
  await page.goto('/members');
  await signIn(page, advisors[0]!);
  await openMember(page, ALICES_OPTED_IN);
  const name = await page.getByRole('heading', { level: 1 }).textContent();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to the advisor console' })).toBeVisible();
  await page.goBack();
  await expect(page.getByRole('heading', { name: 'Sign in to the advisor console' })).toBeVisible();
  await expect(page.getByText(ALICES_OPTED_IN)).toHaveCount(0);
  await expect(page.getByRole('heading', { name: name ?? '' })).toHaveCount(0);
  await expectAccessible(page, 'signed out');
  await screenshot(page, 'journey-signed-out-back');
});

test('an expired session goes to sign-in and back to the same page', async ({ page, advisors }) => {
  await page.goto('/members');
  await signIn(page, advisors[0]!);
  await openMember(page, ALICES_OPTED_IN);
  const memberUrl = page.url();
  await page.context().clearCookies();
  // The page does not poll: the next request it makes (here an SMS) gets the 401.
  await page.getByLabel(/SMS to/).fill('After the session ended');
  await page.getByRole('button', { name: 'Send SMS' }).click();
  await expect(page.getByText('Your session has expired')).toBeVisible({ timeout: 10_000 });
  await signIn(page, advisors[0]!);
  await expect(page).toHaveURL(memberUrl);
  await expect(page.getByRole('heading', { name: 'Messages' })).toBeVisible();
});

test('the member list and member page work at phone width', async ({ page, advisors }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/members');
  await signIn(page, advisors[0]!);
  await expect(page.getByRole('link', { name: /demo|Silva|Santos|Oliveira/ }).first()).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, 'no horizontal scrolling').toBeLessThanOrEqual(0);
  await expectAccessible(page, 'member list at phone width');
  await screenshot(page, 'journey-phone-member-list');
  await openMember(page, ALICES_OPTED_IN);
  await expectAccessible(page, 'member page at phone width');
  await screenshot(page, 'journey-phone-member-page');
});

test('an admin adds an advisor, assigns a member and reads the audit log', async ({ page, admin }) => {
  await page.goto('/admin/users');
  await signIn(page, admin);
  await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
  const email = `new.advisor.${Date.now()}@origin.example`;
  await page.getByLabel('Full name').fill('Nina New');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Initial password').fill('A-long-enough-Passw0rd!');
  await page.getByRole('button', { name: 'Add user' }).click();
  await expect(page.getByText('Nina New can now sign in.')).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: email })).toBeVisible();
  await expectAccessible(page, 'admin users');
  await screenshot(page, 'journey-admin-users');

  await page.getByRole('link', { name: 'Assignments' }).click();
  await page.getByLabel('Search members').fill('demo.member.5@example.com');
  await page.getByRole('button', { name: 'Search' }).click();
  const row = page.getByRole('row').filter({ hasText: /5$/ });
  await expect(row).toHaveCount(1);
  await row.getByRole('combobox').selectOption({ label: 'Nina New' });
  await row.getByRole('button', { name: /Assign/ }).click();
  await expect(page.getByText(/is now assigned to Nina New/)).toBeVisible();
  await expect(row.getByRole('cell', { name: 'Nina New' }).first()).toBeVisible();
  await expectAccessible(page, 'admin assignments');

  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'Ada Admin' }).first()).toBeVisible();
  await expectAccessible(page, 'admin audit log');
  await screenshot(page, 'journey-admin-audit');
});

test('a person signs up, opens the emailed link and finishes signing up once', async ({ page, motoUrl }) => {
  const email = `e2e.signup.${Date.now()}@example.com`;
  const password = 'Journey-signup-42!';
  await page.goto('/sign-up');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Full name (optional)').fill('Jo Journey');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  await screenshot(page, 'journey-signup-check-email');

  // The gateway worker sends the email through SES, here moto's, which records it.
  let link: string | null = null;
  await expect
    .poll(async () => (link = await emailedSignupLink(motoUrl, email)), { timeout: 30_000 })
    .not.toBeNull();
  await page.goto(link!);
  await expect(page.getByRole('heading', { name: 'Finish signing up' })).toBeVisible();
  await expect(page).not.toHaveURL(/token=/);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Finish signing up' }).click();
  await expect(page.getByRole('heading', { name: 'Your account is ready' })).toBeVisible();
  await expect(page.getByText('Welcome to Origin, Jo Journey.')).toBeVisible();
  await screenshot(page, 'journey-signup-verified');

  await page.goto('about:blank'); // a fresh load, as when the link is opened again from the email
  await page.goto(link!);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Finish signing up' }).click();
  await expect(page.getByRole('alert')).toContainText('already used');
  await expect(page.getByRole('link', { name: 'Sign up again' })).toBeVisible();
});

test('a new admin must set up MFA first, then signs in with a code or a recovery code', async ({ page, accounts }) => {
  const admin = accounts.newAdmin;
  await page.goto('/admin/users');
  await signIn(page, admin);
  // Nothing opens before multi-factor sign-in is on.
  await expect(page).toHaveURL(/\/account\?next=/);
  await expect(page.getByText('Admins must sign in with a second factor')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Users' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Set up multi-factor sign-in' }).click();
  await expect(page.getByRole('img', { name: /QR code/ })).toBeVisible();
  await screenshot(page, 'journey-mfa-qr-code');
  await page.getByText('Cannot scan? Type this key instead').click();
  const secret = (await page.getByTestId('mfa-secret').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await page.getByLabel('Enter the 6-digit code the app shows').fill(await freshTotp(secret));
  await page.getByRole('button', { name: 'Turn on multi-factor sign-in' }).click();

  const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  await expect(codes).toHaveCount(10);
  const recovery = (await codes.first().textContent())?.trim() ?? '';
  await expect(page.getByRole('button', { name: 'Download codes' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Continue' })).toBeDisabled();
  await screenshot(page, 'journey-mfa-recovery-codes');
  await page.getByLabel('I have saved my recovery codes').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
  await expect(page.getByText(recovery)).toHaveCount(0);

  await signOut(page);
  await signIn(page, { ...admin, totpSecret: secret });
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();

  await signOut(page);
  await signIn(page, admin);
  await expect(page.getByRole('heading', { name: 'Verify it is you' })).toBeVisible();
  await screenshot(page, 'journey-mfa-code-step');
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await page.getByLabel('Recovery code').fill(recovery);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();

  // A recovery code works once.
  await signOut(page);
  await signIn(page, admin);
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await page.getByLabel('Recovery code').fill(recovery);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('alert')).toContainText('That code is not valid');
});

test('an advisor changes their password and signs in with the new one', async ({ page, accounts }) => {
  const advisor = accounts.passwordAdvisor;
  const renewed = 'Fresh-granite-otter-2026';
  await page.goto('/account');
  await signIn(page, advisor);
  await expect(page.getByRole('heading', { name: 'Account security', level: 1 })).toBeVisible();
  await page.getByLabel('Current password').fill(advisor.password);
  await page.getByLabel('New password', { exact: true }).fill('matrix123');
  await page.getByLabel('Repeat the new password').fill('matrix123');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('alert')).toContainText('one of the most common passwords');
  await page.getByLabel('New password', { exact: true }).fill(renewed);
  await page.getByLabel('Repeat the new password').fill(renewed);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Your password is changed.')).toBeVisible();
  await screenshot(page, 'journey-password-changed');

  await signOut(page);
  await signIn(page, advisor);
  await expect(page.getByRole('alert')).toContainText('do not match');
  await signIn(page, { ...advisor, password: renewed });
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
});

test('after an admin reset the advisor must choose a new password before anything else', async ({ page, admin, accounts }) => {
  const advisor = accounts.resetAdvisor;
  await page.goto('/admin/users');
  await signIn(page, admin);
  await page.getByRole('button', { name: `Reset password of ${advisor.fullName}` }).click();
  const shown = page.locator('.password-reset-result code');
  await expect(shown).toBeVisible();
  const temporary = (await shown.textContent())?.trim() ?? '';
  expect(temporary.length).toBeGreaterThanOrEqual(20);
  await signOut(page);

  await page.goto('/members');
  await signIn(page, { ...advisor, password: temporary });
  await expect(page).toHaveURL(/\/account\?next=%2Fmembers/);
  await expect(page.getByText('An administrator reset your password')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Members' })).toHaveCount(0);
  await screenshot(page, 'journey-forced-password-change');
  const renewed = 'Reset-then-renewed-2026!';
  await page.getByLabel('Temporary password').fill(temporary);
  await page.getByLabel('New password', { exact: true }).fill(renewed);
  await page.getByLabel('Repeat the new password').fill(renewed);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page).toHaveURL(/\/members$/);
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
});
