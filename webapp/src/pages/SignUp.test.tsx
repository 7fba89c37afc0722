import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeBff, json, problem } from '../test-support/fakeBff';
import { renderApp } from '../test-support/renderApp';

const TOKEN = 'T'.repeat(40) + 'a_-';

afterEach(() => {
  vi.unstubAllGlobals();
  window.history.replaceState(null, '', '/');
});

describe('sign-up', () => {
  it('sends the form and only says to check the email', async () => {
    const { calls } = fakeBff({
      'GET /me': () => problem(401, 'Unauthorized'),
      'POST /signup': () => json({ status: 'check_email', detail: 'Check your email.' }, 202),
    });
    renderApp('/sign-up');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Email'), 'new@example.com');
    await user.type(screen.getByLabelText('Password'), 'Saf3-enough!');
    await user.type(screen.getByLabelText('Full name (optional)'), 'Nia New');
    await user.click(screen.getByRole('button', { name: 'Sign up' }));

    expect(await screen.findByRole('heading', { name: 'Check your email' })).toBeInTheDocument();
    expect(screen.getByText(/We sent an email to/)).toHaveTextContent('new@example.com');
    expect(calls.find((call) => call.path === '/signup')?.body).toEqual({
      email: 'new@example.com',
      password: 'Saf3-enough!',
      country: 'US',
      full_name: 'Nia New',
    });
  });
});

describe('verifying a sign-up', () => {
  it('posts the token from the link in the body, clears it from the address bar and says the account is ready', async () => {
    window.history.replaceState(null, '', `/verify#token=${TOKEN}`);
    const { calls } = fakeBff({
      'GET /me': () => problem(401, 'Unauthorized'),
      'POST /signup/verify': () =>
        json(
          { id: 'm-1', email: 'eli@example.com', full_name: 'Eli Gible', country: 'US', access_type: 'employer', employer: { id: 'e-1', name: 'Acme' } },
          201,
        ),
    });
    renderApp('/verify');

    expect(await screen.findByRole('heading', { name: 'Finish signing up' })).toBeInTheDocument();
    expect(window.location.href).not.toContain(TOKEN);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Password'), 'Saf3-enough!');
    await user.click(screen.getByRole('button', { name: 'Finish signing up' }));

    expect(await screen.findByRole('heading', { name: 'Your account is ready' })).toBeInTheDocument();
    expect(screen.getByText(/Welcome to Origin, Eli Gible/)).toHaveTextContent('Your benefit through Acme is active.');
    const verify = calls.find((call) => call.path === '/signup/verify');
    expect(verify?.body).toEqual({ token: TOKEN, password: 'Saf3-enough!' });
    expect(verify?.query.toString()).toBe('');
  });

  it('says a used or expired link cannot be used and offers to sign up again', async () => {
    window.history.replaceState(null, '', `/verify?token=${TOKEN}`);
    fakeBff({
      'GET /me': () => problem(401, 'Unauthorized'),
      'POST /signup/verify': () =>
        problem(400, 'Invalid sign-up link', { detail: 'This sign-up link is invalid, has expired or was already used.' }),
    });
    renderApp('/verify');
    expect(window.location.search).toBe('');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Password'), 'Saf3-enough!');
    await user.click(screen.getByRole('button', { name: 'Finish signing up' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('invalid, has expired or was already used');
    expect(screen.getByRole('link', { name: 'Sign up again' })).toBeInTheDocument();
    expect(screen.queryByLabelText('Password')).not.toBeInTheDocument();
  });

  it('without a token asks for the link from the email', async () => {
    fakeBff({ 'GET /me': () => problem(401, 'Unauthorized') });
    renderApp('/verify');
    expect(await screen.findByRole('alert')).toHaveTextContent('needs the link from your sign-up email');
  });
});
