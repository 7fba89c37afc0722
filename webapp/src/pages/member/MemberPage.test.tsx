import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setCsrfToken } from '../../api/client';
import { aMember, aMemberScreen } from '../../test-support/builders';
import { FakeEventSource, fakeBff, json, problem, SESSION } from '../../test-support/fakeBff';
import { renderApp } from '../../test-support/renderApp';

afterEach(() => {
  setCsrfToken(null);
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('member page', () => {
  it('shows "not found" for a member the advisor may not see', async () => {
    fakeBff({ 'GET /me': () => json(SESSION), 'GET /members/:id': () => problem(404, 'Not Found') });
    renderApp('/members/someone-elses');
    expect(await screen.findByRole('heading', { name: 'Member not found' })).toBeInTheDocument();
  });

  it('shows wellness, the risk reasons, balances, messages and notes', async () => {
    fakeBff({
      'GET /me': () => json(SESSION),
      'GET /members/:id': () =>
        json(
          aMemberScreen({
            wellness: { score: 'MEDIUM', net_income: '92000.00', annual_costs: '36000.00', cost_ratio: '0.3913' },
            risk_profile: {
              id: 'r1',
              computed_at: '2025-01-02T10:00:00Z',
              profile: { auto: 'regular', disability: 'ineligible', home: 'economic', life: 'regular', umbrella: 'economic' },
              lines: [
                {
                  line: 'life',
                  item_id: null,
                  plan: 'regular',
                  score: 1,
                  reasons: [
                    { rule: 'dependents', description: 'Has dependents', points: 1 },
                    { rule: 'under_30', description: 'Under 30', points: -2 },
                  ],
                  ineligible_because: [],
                },
                {
                  line: 'disability',
                  item_id: null,
                  plan: 'ineligible',
                  score: 0,
                  reasons: [],
                  ineligible_because: [{ rule: 'no_income', description: 'no income' }],
                },
              ],
            },
            linked_items: [
              {
                id: 'i1',
                institution_name: 'First Platypus Bank',
                status: 'needs_relink',
                sync_status: 'idle',
                last_synced_at: null,
                accounts: [
                  {
                    id: 'a1',
                    name: 'Checking',
                    mask: '0000',
                    type: 'depository',
                    subtype: 'checking',
                    current_balance: '1234.5',
                    available_balance: null,
                    currency: 'USD',
                  },
                ],
              },
            ],
            messages: [
              { id: 's1', body: 'See you Monday', status: 'undelivered', error_code: '30003', created_at: '2025-01-02T10:00:00Z', updated_at: '2025-01-02T10:00:00Z' },
            ],
            notes: [{ id: 'n1', body: 'Wants to save for a house', author: { id: 'u-alice', full_name: 'Alice Advisor' }, created_at: '2025-01-02T10:00:00Z' }],
          }),
        ),
    });
    renderApp('/members/m-1');
    expect(await screen.findByRole('heading', { name: 'Ana Silva', level: 1 })).toBeInTheDocument();
    expect(screen.getByText('$92,000.00')).toBeInTheDocument();
    expect(screen.getByText('39.13%')).toBeInTheDocument();
    const lifeReasons = screen.getByRole('list', { name: 'What moved the Life score' });
    expect(within(lifeReasons).getByText('Has dependents')).toBeInTheDocument();
    expect(within(lifeReasons).getByText('−2')).toBeInTheDocument();
    expect(screen.getByText(/Ineligible because no income/)).toBeInTheDocument();
    expect(screen.getByText('$1,234.50')).toBeInTheDocument();
    expect(screen.getAllByText('Needs re-link').length).toBeGreaterThan(0);
    expect(screen.getByText('Not delivered')).toBeInTheDocument();
    expect(screen.getByText('error 30003')).toBeInTheDocument();
    expect(screen.getByText('Wants to save for a house')).toBeInTheDocument();
    // Charts come with their figures in words.
    expect(screen.getByTestId('wellness-chart')).toHaveTextContent('Healthy up to 25% ($23,000.00), medium up to 75% ($69,000.00)');
    expect(screen.getByTestId('balance-chart')).toHaveTextContent('Current balances: Checking $1,234.50');
  });

  it('patches a status change pushed by the bff without asking for the screen again', async () => {
    const message = { id: 's1', body: 'Hi', status: 'sent', error_code: null, created_at: '2025-01-02T10:00:00Z', updated_at: '2025-01-02T10:00:00Z' };
    const { calls } = fakeBff({ 'GET /me': () => json(SESSION), 'GET /members/:id': () => json(aMemberScreen({ messages: [message] })) });
    renderApp('/members/m-1');
    expect(await screen.findByText('Sent to carrier')).toBeInTheDocument();
    expect(FakeEventSource.latest().url).toBe('/api/v1/members/m-1/events');
    act(() => FakeEventSource.latest().emit('change', { kind: 'message', message: { ...message, status: 'delivered' } }));
    expect(await screen.findByText('Delivered')).toBeInTheDocument();
    expect(screen.getByText(/Live: changes appear/)).toBeInTheDocument();
    expect(calls.filter((call) => call.path === '/members/m-1')).toEqual([]);
  });

  it('sends the advisor to sign-in when the session ends, then back here', async () => {
    let signedIn = true;
    fakeBff({
      'GET /me': () => json(SESSION),
      'GET /members/:id': () => (signedIn ? json(aMemberScreen()) : problem(401, 'Unauthorized')),
    });
    renderApp('/members/m-1');
    expect(await screen.findByRole('heading', { name: 'Ana Silva', level: 1 })).toBeInTheDocument();
    signedIn = false;
    act(() => FakeEventSource.latest().emit('end', { reason: 'session' }));
    expect(await screen.findByText(/Your session has expired/)).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent('/sign-in?next=%2Fmembers%2Fm-1');
  });

  it('sends an SMS with the CSRF token and reports it queued', async () => {
    const { calls } = fakeBff({
      'GET /me': () => json(SESSION),
      'GET /members/:id': () => json(aMemberScreen()),
      'POST /members/m-1/messages': () =>
        json({ id: 's1', body: 'Hello', status: 'requested', error_code: null, created_at: '2025-01-02T10:00:00Z', updated_at: '2025-01-02T10:00:00Z' }, 202),
    });
    renderApp('/members/m-1');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('SMS to +14155550123'), 'Hello');
    await user.click(screen.getByRole('button', { name: 'Send SMS' }));
    expect(await screen.findByText(/Message queued/)).toBeInTheDocument();
    const sent = calls.find((call) => call.method === 'POST');
    expect(sent?.body).toEqual({ body: 'Hello' });
    expect(sent?.headers['X-CSRF-Token']).toBe('csrf-123');
  });

  it('shows why an SMS cannot be sent before the advisor types one', async () => {
    fakeBff({ 'GET /me': () => json(SESSION), 'GET /members/:id': () => json(aMemberScreen({ member: aMember({ sms_opt_in: false }) })) });
    renderApp('/members/m-1');
    expect(await screen.findByText(/has not agreed to receive SMS/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Send SMS' })).toBeDisabled();
    expect(screen.getByLabelText(/SMS to/)).toBeDisabled();
  });

  it('shows the bff refusal readably when a send is refused anyway', async () => {
    fakeBff({
      'GET /me': () => json(SESSION),
      'GET /members/:id': () => json(aMemberScreen()),
      'POST /members/m-1/messages': () => problem(429, 'Too Many Requests', { detail: 'Daily SMS limit for this member reached' }, { 'Retry-After': '60' }),
    });
    renderApp('/members/m-1');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/SMS to/), 'Hello');
    await user.click(screen.getByRole('button', { name: 'Send SMS' }));
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('Daily SMS limit for this member reached. Try again in 60 seconds.'));
  });

  it('books an appointment for the chosen local time and cancels one', async () => {
    const { calls } = fakeBff({
      'GET /me': () => json(SESSION),
      'GET /members/:id': () =>
        json(aMemberScreen({ appointments: [{ id: 'ap1', starts_at: '2999-01-01T10:00:00Z', ends_at: '2999-01-01T10:30:00Z', status: 'booked', source: 'console' }] })),
      'POST /members/m-1/appointments': () => json({}, 201),
      'POST /members/m-1/appointments/ap1/cancel': () => json({}),
    });
    renderApp('/members/m-1');
    const user = userEvent.setup();
    const date = await screen.findByLabelText('Date');
    await user.clear(date);
    await user.type(date, '2999-03-04');
    await user.selectOptions(screen.getByLabelText('Length'), '60');
    await user.click(screen.getByRole('button', { name: 'Book appointment' }));
    expect(await screen.findByText('Appointment booked.')).toBeInTheDocument();
    const booked = calls.find((call) => call.path === '/members/m-1/appointments')?.body as { starts_at: string; ends_at: string };
    expect(new Date(booked.starts_at).getTime()).toBe(new Date('2999-03-04T10:00').getTime());
    expect(new Date(booked.ends_at).getTime() - new Date(booked.starts_at).getTime()).toBe(3_600_000);

    await user.click(screen.getByRole('button', { name: /Cancel appointment of/ }));
    expect(await screen.findByText(/cancelled\./)).toBeInTheDocument();
  });
});
