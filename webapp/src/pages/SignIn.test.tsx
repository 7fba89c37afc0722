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
});
