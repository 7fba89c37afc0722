import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setCsrfToken } from '../api/client';
import { fakeBff, json, problem, SESSION } from '../test-support/fakeBff';
import { renderApp } from '../test-support/renderApp';

afterEach(() => {
  setCsrfToken(null);
  vi.unstubAllGlobals();
});

async function submit(email = 'alice@origin.example', password = 'secret') {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Email'), email);
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('sign-in', () => {
  it('sends a signed-out advisor to sign-in, remembering the page', async () => {
    fakeBff({ 'GET /me': () => problem(401, 'Unauthorized') });
    renderApp('/members/m-1?tab=notes');
    expect(await screen.findByRole('heading', { name: 'Sign in to the advisor console' })).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent('/sign-in?next=%2Fmembers%2Fm-1%3Ftab%3Dnotes');
  });

  it('says plainly when the email and password do not match', async () => {
    fakeBff({
      'GET /me': () => problem(401, 'Unauthorized'),
      'POST /auth/login': () => problem(401, 'Unauthorized', { detail: 'Wrong email or password.' }),
    });
    renderApp('/sign-in');
    await submit();
    expect(await screen.findByRole('alert')).toHaveTextContent('do not match an active advisor account');
  });

  it('explains throttling with the wait the bff asks for', async () => {
    fakeBff({
      'GET /me': () => problem(401, 'Unauthorized'),
      'POST /auth/login': () => problem(429, 'Too Many Requests', {}, { 'Retry-After': '300' }),
    });
    renderApp('/sign-in');
    await submit();
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many sign-in attempts');
    expect(screen.getByRole('alert')).toHaveTextContent('try again in 5 minutes');
  });

  it('goes back to the remembered page after signing in', async () => {
    const { calls } = fakeBff({
      'GET /me': () => problem(401, 'Unauthorized'),
      'POST /auth/login': () => json(SESSION),
      'GET /tools/risk-profile': () => json({}),
    });
    renderApp('/sign-in?next=%2Ftools%2Fwellness-score');
    await submit();
    expect(await screen.findByRole('heading', { name: 'Wellness score calculator' })).toBeInTheDocument();
    expect(calls.find((call) => call.path === '/auth/login')?.body).toEqual({ email: 'alice@origin.example', password: 'secret' });
  });

  it('never follows a next address to another site', async () => {
    fakeBff({ 'GET /me': () => problem(401, 'Unauthorized'), 'POST /auth/login': () => json(SESSION), 'GET /members': () => json({ items: [], next_cursor: null }) });
    renderApp('/sign-in?next=%2F%2Fevil.example%2F');
    await submit();
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent(/^\/members$/));
  });

  it('asks for the authenticator code when the account has MFA on, then signs in', async () => {
    const { calls } = fakeBff({
      'GET /me': () => problem(401, 'Unauthorized'),
      'POST /auth/login': () => json({ mfa_required: true, expires_in_seconds: 300 }, 202),
      'POST /auth/mfa': (call) =>
        (call.body as { code: string }).code === '123456'
          ? json({ ...SESSION, user: { ...SESSION.user, mfa_enabled: true } })
          : problem(422, 'Invalid request', { detail: 'That code is not valid.' }),
      'GET /members': () => json({ items: [], next_cursor: null }),
    });
    renderApp('/sign-in');
    await submit();
    const user = userEvent.setup();
    const code = await screen.findByLabelText('Authentication code');
    await user.type(code, '000000');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('That code is not valid');
    await user.type(screen.getByLabelText('Authentication code'), '123456');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent(/^\/members$/));
    expect(calls.filter((call) => call.path === '/auth/mfa').map((call) => call.body)).toEqual([
      { method: 'totp', code: '000000' },
      { method: 'totp', code: '123456' },
    ]);
  });

  it('takes a recovery code instead of the app', async () => {
    const { calls } = fakeBff({
      'GET /me': () => problem(401, 'Unauthorized'),
      'POST /auth/login': () => json({ mfa_required: true, expires_in_seconds: 300 }, 202),
      'POST /auth/mfa': () => json(SESSION),
      'GET /members': () => json({ items: [], next_cursor: null }),
    });
    renderApp('/sign-in');
    await submit();
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Use a recovery code instead' }));
    await user.type(screen.getByLabelText('Recovery code'), 'ABCD-EFGH');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent(/^\/members$/));
    expect(calls.find((call) => call.path === '/auth/mfa')?.body).toEqual({ method: 'recovery_code', code: 'ABCD-EFGH' });
  });

  it('goes back to the password when the code step has expired', async () => {
    fakeBff({
      'GET /me': () => problem(401, 'Unauthorized'),
      'POST /auth/login': () => json({ mfa_required: true, expires_in_seconds: 300 }, 202),
      'POST /auth/mfa': () => problem(401, 'Unauthorized'),
    });
    renderApp('/sign-in');
    await submit();
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Authentication code'), '123456');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Enter your password again');
    expect(screen.getByLabelText('Password')).toBeInTheDocument();
  });
});
