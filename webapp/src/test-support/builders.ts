import type { Member, MemberDetail } from '../api/types';

export function aMember(overrides: Partial<Member> = {}): Member {
  return {
    id: 'm-1',
    full_name: 'Ana Silva',
    email: 'ana@example.com',
    phone_e164: '+14155550123',
    country: 'US',
    sms_opt_in: true,
    access_type: 'dtc',
    employer: null,
    advisor: { id: 'u-alice', full_name: 'Alice Advisor' },
    status: 'active',
    ...overrides,
  };
}

export function aMemberScreen(overrides: Partial<MemberDetail> = {}): MemberDetail {
  return {
    member: aMember(),
    profile: null,
    wellness: null,
    risk_profile: null,
    linked_items: [],
    appointments: [],
    messages: [],
    notes: [],
    ...overrides,
  };
}
