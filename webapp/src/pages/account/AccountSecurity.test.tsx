import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setCsrfToken } from '../../api/client';
import { fakeBff, json, problem, SESSION } from '../../test-support/fakeBff';
import { renderApp } from '../../test-support/renderApp';

afterEach(() => {
  setCsrfToken(null);
  vi.unstubAllGlobals();
});

const CODES = Array.from({ length: 10 }, (_, n) => `AAAA-BBBB-CCCC-DDDD-EEEE-FF${String(n).padStart(2, '0')}`);

describe('account security', () => {
  it('sends a session that must change its password there first, then to the page it wanted', async () => {
    const { calls } = fakeBff({
      'GET /me': () => json({ ...SESSION, requires: ['password_change'] }),
      'POST /auth/password': () => json(SESSION),
      'GET /members': () => json({ items: [], next_cursor: null }),
    });
    renderApp('/members');
    expect(await screen.findByText(/An administrator reset your password/)).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent('/account?next=%2Fmembers');
    expect(screen.queryByRole('link', { name: 'Members' })).not.toBeInTheDocument();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Temporary password'), 'temp-Pass-123456');
    await user.type(screen.getByLabelText('New password'), 'Granite-otter-lantern-7');
    await user.type(screen.getByLabelText('Repeat the new password'), 'Granite-otter-lantern-7');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent(/^\/members$/));
    expect(calls.find((call) => call.path === '/auth/password')?.body).toEqual({
      current_password: 'temp-Pass-123456',
      new_password: 'Granite-otter-lantern-7',
    });
  });

  it('shows why a new password is refused', async () => {
    fakeBff({
      'GET /me': () => json(SESSION),
      'POST /auth/password': () =>
        problem(422, 'Invalid request', {
          detail: 'Invalid fields: new_password',
          errors: [{ field: 'new_password', message: 'password is one of the most common passwords', type: 'password' }],
        }),
    });
    renderApp('/account');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Current password'), 'Correct-horse-9!');
    await user.type(screen.getByLabelText('New password'), 'matrix123');
    await user.type(screen.getByLabelText('Repeat the new password'), 'matrix123');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('one of the most common passwords');
  });

  it('enrolls MFA with a QR code and shows the recovery codes once, until they are saved', async () => {
    const { calls } = fakeBff({
      'GET /me': () => json({ ...SESSION, user: { ...SESSION.user, role: 'admin' }, requires: ['mfa_enrollment'] }),
      'POST /auth/mfa/enrollment': () =>
        json({ otpauth_uri: 'otpauth://totp/Origin:a?secret=JBSWY3DP', secret: 'JBSWY3DP', qr_svg: '<svg></svg>' }, 201),
      'POST /auth/mfa/enrollment/confirm': () =>
        json({ recovery_codes: CODES, session: { ...SESSION, user: { ...SESSION.user, role: 'admin', mfa_enabled: true } } }),
      'GET /admin/users': () => json({ items: [] }),
    });
    renderApp('/admin/users');
    expect(await screen.findByText(/Admins must sign in with a second factor/)).toBeInTheDocument();
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Set up multi-factor sign-in' }));
    expect(await screen.findByRole('img', { name: /QR code/ })).toBeInTheDocument();
    expect(screen.getByTestId('mfa-secret')).toHaveTextContent('JBSWY3DP');
    await user.type(screen.getByLabelText('Enter the 6-digit code the app shows'), '123456');
    await user.click(screen.getByRole('button', { name: 'Turn on multi-factor sign-in' }));
    const list = await screen.findByRole('list', { name: 'Recovery codes' });
    expect(list.querySelectorAll('li')).toHaveLength(10);
    const next = screen.getByRole('button', { name: 'Continue' });
    expect(next).toBeDisabled();
    await user.click(screen.getByLabelText('I have saved my recovery codes'));
    await user.click(next);
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent(/^\/admin\/users$/));
    expect(screen.queryByText(CODES[0]!)).not.toBeInTheDocument();
    expect(calls.find((call) => call.path === '/auth/mfa/enrollment/confirm')?.body).toEqual({ code: '123456' });
  });
});
