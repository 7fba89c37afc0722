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

const ROW = {
  id: 'm-1',
  full_name: 'Ana Silva',
  email: 'ana@example.com',
  access_type: 'employer',
  employer_name: 'Acme Corp',
  advisor: { id: 'u-alice', full_name: 'Alice Advisor' },
  status: 'active',
};

describe('member list', () => {
  it('lists members with links to their pages', async () => {
    fakeBff({ 'GET /me': () => json(SESSION), 'GET /members': () => json({ items: [ROW], next_cursor: null }) });
    renderApp('/members');
    expect(await screen.findByRole('link', { name: 'Ana Silva' })).toHaveAttribute('href', '/members/m-1');
    expect(screen.getByText('Acme Corp')).toBeInTheDocument();
  });

  it('searches and filters through the URL and the API query', async () => {
    const { calls } = fakeBff({ 'GET /me': () => json(SESSION), 'GET /members': () => json({ items: [], next_cursor: null }) });
    renderApp('/members');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Search by name or email'), 'silva');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    await user.selectOptions(screen.getByLabelText('Status'), 'terminated');
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent('/members?q=silva&status=terminated'));
    const last = calls.filter((call) => call.path === '/members').at(-1);
    expect(last?.query.get('q')).toBe('silva');
    expect(last?.query.get('status')).toBe('terminated');
    expect(await screen.findByText('No members match these filters.')).toBeInTheDocument();
  });

  it('pages forward with the cursor and back again', async () => {
    const { calls } = fakeBff({
      'GET /me': () => json(SESSION),
      'GET /members': (call) =>
        call.query.get('cursor') === 'c2'
          ? json({ items: [{ ...ROW, id: 'm-2', full_name: 'Bea Costa' }], next_cursor: null })
          : json({ items: [ROW], next_cursor: 'c2' }),
    });
    renderApp('/members');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Next page' }));
    expect(await screen.findByRole('link', { name: 'Bea Costa' })).toBeInTheDocument();
    expect(screen.getByText('Page 2')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Previous page' }));
    expect(await screen.findByRole('link', { name: 'Ana Silva' })).toBeInTheDocument();
    expect(calls.filter((call) => call.path === '/members').map((call) => call.query.get('cursor'))).toEqual([null, 'c2', null]);
  });

  it('shows an error with a way to retry', async () => {
    let fail = true;
    fakeBff({
      'GET /me': () => json(SESSION),
      'GET /members': () => (fail ? problem(503, 'Service Unavailable', { detail: 'The database is not answering.' }) : json({ items: [ROW], next_cursor: null })),
    });
    renderApp('/members');
    expect(await screen.findByRole('alert')).toHaveTextContent('The database is not answering.');
    fail = false;
    await userEvent.setup().click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('link', { name: 'Ana Silva' })).toBeInTheDocument();
  });
});
