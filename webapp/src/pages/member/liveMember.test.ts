import { describe, expect, it } from 'vitest';
import { aMemberScreen } from '../../test-support/builders';
import { applyChange } from './liveMember';

const message = (id: string, created: string, status = 'requested') => ({
  id,
  body: id,
  status,
  error_code: null,
  created_at: created,
  updated_at: created,
});

describe('applyChange', () => {
  it('replaces a message by id and keeps the newest first', () => {
    const screen = aMemberScreen({ messages: [message('b', '2025-01-02T00:00:00Z'), message('a', '2025-01-01T00:00:00Z')] });
    const updated = applyChange(screen, { kind: 'message', message: message('a', '2025-01-01T00:00:00Z', 'delivered') });
    const added = applyChange(updated, { kind: 'message', message: message('c', '2025-01-03T00:00:00Z') });
    expect(added.messages.map((m) => [m.id, m.status])).toEqual([
      ['c', 'requested'],
      ['b', 'requested'],
      ['a', 'delivered'],
    ]);
    expect(screen.messages[1]?.status).toBe('requested'); // the old screen is untouched
  });

  it('drops a cancelled appointment and keeps upcoming ones by start', () => {
    const booked = { id: 'x', starts_at: '2999-01-02T10:00:00Z', ends_at: '2999-01-02T11:00:00Z', status: 'booked' as const, source: 'console' as const };
    const early = { ...booked, id: 'y', starts_at: '2999-01-01T10:00:00Z', ends_at: '2999-01-01T11:00:00Z' };
    const screen = applyChange(applyChange(aMemberScreen(), { kind: 'appointment', appointment: booked }), { kind: 'appointment', appointment: early });
    expect(screen.appointments.map((a) => a.id)).toEqual(['y', 'x']);
    expect(applyChange(screen, { kind: 'appointment', appointment: { ...booked, status: 'cancelled' } }).appointments.map((a) => a.id)).toEqual(['y']);
  });

  it('takes the profile with its wellness score', () => {
    const profile = { age: 30, dependents: 0, annual_income: '100.00', monthly_costs: '1.00', marital_status: null, houses: [], vehicles: [], risk_answers: null };
    const wellness = { score: 'HEALTHY' as const, net_income: '92.00', annual_costs: '12.00', cost_ratio: '0.1304' };
    const screen = applyChange(aMemberScreen(), { kind: 'profile', profile, wellness });
    expect([screen.profile, screen.wellness]).toEqual([profile, wellness]);
  });
});
