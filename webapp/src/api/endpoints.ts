/** Typed calls for each bff route the console uses. */
import { request } from './client';
import type {
  AdminUser,
  Appointment,
  AppointmentList,
  AuditPage,
  AuditQuery,
  LinkedItem,
  LinkToken,
  Message,
  MemberDetail,
  MemberPage,
  MemberQuery,
  MemberUpdate,
  MfaChallenge,
  MfaEnabled,
  MfaEnrollment,
  MfaMethod,
  NewUser,
  PasswordChange,
  PasswordResetResult,
  Note,
  RiskPlans,
  RiskProfileInput,
  SessionInfo,
  StoredRiskProfile,
  UserList,
  Wellness,
  WellnessInput,
} from './types';

const member = (id: string) => `/members/${encodeURIComponent(id)}`;

export const api = {
  login: (email: string, password: string) =>
    request<SessionInfo | MfaChallenge>('POST', '/auth/login', { body: { email, password }, expectUnauthorized: true }),
  verifyMfa: (method: MfaMethod, code: string) =>
    request<SessionInfo>('POST', '/auth/mfa', { body: { method, code }, expectUnauthorized: true }),
  startMfaEnrollment: () => request<MfaEnrollment>('POST', '/auth/mfa/enrollment'),
  confirmMfaEnrollment: (code: string) => request<MfaEnabled>('POST', '/auth/mfa/enrollment/confirm', { body: { code } }),
  changePassword: (change: PasswordChange) => request<SessionInfo>('POST', '/auth/password', { body: change }),
  logout: () => request<void>('POST', '/auth/logout'),
  me: (signal?: AbortSignal) => request<SessionInfo>('GET', '/me', { signal, expectUnauthorized: true }),

  listMembers: (query: MemberQuery, signal?: AbortSignal) =>
    request<MemberPage>('GET', '/members', { query: { ...query }, signal }),
  getMember: (id: string, signal?: AbortSignal) => request<MemberDetail>('GET', member(id), { signal }),
  updateMember: (id: string, update: MemberUpdate) => request<MemberDetail>('PATCH', member(id), { body: update }),
  addNote: (id: string, body: string) => request<Note>('POST', `${member(id)}/notes`, { body: { body } }),
  computeRiskProfile: (id: string) => request<StoredRiskProfile>('POST', `${member(id)}/risk-profile`),
  sendMessage: (id: string, body: string) => request<Message>('POST', `${member(id)}/messages`, { body: { body } }),
  createLinkToken: (id: string) => request<LinkToken>('POST', `${member(id)}/link-token`),
  addLinkedItem: (id: string, publicToken: string) =>
    request<LinkedItem>('POST', `${member(id)}/linked-items`, { body: { public_token: publicToken } }),
  refreshAccounts: (id: string) => request<unknown>('POST', `${member(id)}/accounts/refresh`),
  listAppointments: (id: string, signal?: AbortSignal) =>
    request<AppointmentList>('GET', `${member(id)}/appointments`, { signal }),
  bookAppointment: (id: string, startsAt: string, endsAt: string) =>
    request<Appointment>('POST', `${member(id)}/appointments`, { body: { starts_at: startsAt, ends_at: endsAt } }),
  cancelAppointment: (id: string, appointmentId: string) =>
    request<Appointment>('POST', `${member(id)}/appointments/${encodeURIComponent(appointmentId)}/cancel`),

  wellnessScore: (input: WellnessInput) => request<Wellness>('POST', '/tools/wellness-score', { body: input }),
  riskProfile: (input: RiskProfileInput) => request<RiskPlans>('POST', '/tools/risk-profile', { body: input }),

  listUsers: (signal?: AbortSignal) =>
    request<UserList>('GET', '/admin/users', { signal }),
  createUser: (user: NewUser) => request<AdminUser>('POST', '/admin/users', { body: user }),
  setUserDisabled: (id: string, disabled: boolean) =>
    request<AdminUser>('PATCH', `/admin/users/${encodeURIComponent(id)}`, { body: { disabled } }),
  resetUserPassword: (id: string, resetMfa: boolean) =>
    request<PasswordResetResult>('POST', `/admin/users/${encodeURIComponent(id)}/password-reset`, {
      body: { reset_mfa: resetMfa },
    }),
  assignAdvisor: (memberId: string, advisorId: string | null) =>
    request<MemberDetail>('PUT', `/admin/members/${encodeURIComponent(memberId)}/advisor`, {
      body: { advisor_id: advisorId },
    }),
  listAudit: (query: AuditQuery, signal?: AbortSignal) => request<AuditPage>('GET', '/admin/audit', { query, signal }),
};
