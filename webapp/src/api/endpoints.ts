/** Typed calls for each bff route the console uses. */
import { request } from './client';
import type {
  AdminUser,
  Appointment,
  AppointmentList,
  AuditPage,
  AuditQuery,
  EligibilityFile,
  EligibilityFileList,
  Employer,
  EmployerList,
  FileAccepted,
  UploadUrl,
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
  SignedUpMember,
  SignupAccepted,
  SignupRequest,
  StoredRiskProfile,
  UserList,
  Wellness,
  WellnessInput,
} from './types';

const member = (id: string) => `/members/${encodeURIComponent(id)}`;
const employerFiles = (id: string) => `/admin/employers/${encodeURIComponent(id)}/eligibility-files`;

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
  signUp: (signup: SignupRequest) => request<SignupAccepted>('POST', '/signup', { body: signup }),
  /** The token travels in the body, never in a URL that servers log. */
  verifySignup: (token: string, password: string) =>
    request<SignedUpMember>('POST', '/signup/verify', { body: { token, password } }),

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

  listEmployers: (signal?: AbortSignal) => request<EmployerList>('GET', '/admin/employers', { signal }),
  createEmployer: (name: string) => request<Employer>('POST', '/admin/employers', { body: { name } }),
  uploadUrl: (employerId: string) => request<UploadUrl>('POST', `${employerFiles(employerId)}/upload-url`),
  submitFile: (employerId: string, file: string) => request<FileAccepted>('POST', employerFiles(employerId), { body: { file } }),
  listFiles: (employerId: string, signal?: AbortSignal) => request<EligibilityFileList>('GET', employerFiles(employerId), { signal }),
  getFile: (employerId: string, fileId: string, signal?: AbortSignal) =>
    request<EligibilityFile>('GET', `${employerFiles(employerId)}/${encodeURIComponent(fileId)}`, { signal }),
  confirmFile: (employerId: string, fileId: string) =>
    request<FileAccepted>('POST', `${employerFiles(employerId)}/${encodeURIComponent(fileId)}/confirm`),
};

/** PUT a roster straight to S3 through its presigned URL, reporting the share sent (0..1). */
export function uploadToS3(target: UploadUrl, file: Blob, onProgress: (share: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', target.upload_url);
    xhr.setRequestHeader('Content-Type', target.content_type);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener('load', () =>
      xhr.status >= 200 && xhr.status < 300 ? (onProgress(1), resolve()) : reject(new Error(`The upload was refused (HTTP ${xhr.status}).`)),
    );
    xhr.addEventListener('error', () => reject(new Error('The upload failed: the file store could not be reached.')));
    xhr.send(file);
  });
}
