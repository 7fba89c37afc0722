/**
 * The shapes the bff sends and accepts, named for the screens that use them.
 *
 * They alias `schema.d.ts`, generated from `contracts/openapi/bff.yaml` by
 * `npm run gen:api` (`npm run check:api` fails when it is stale), so a contract change
 * shows up here as a type error. Only what the contract leaves loose (status strings,
 * problem field errors) is narrowed by hand.
 */
import type { components, operations } from './schema';

type Schemas = components['schemas'];

/** A decimal amount as the bff sends it ("1234.50"): never turned into a float. */
export type Money = string;

export type Role = Schemas['Role'];
export type User = Schemas['UserOut'];
export type SessionInfo = Schemas['SessionOut'];
/** What a session must do before any data is reachable (a new password, MFA enrollment). */
export type Owed = Schemas['Owed'];
/** The password was right; a second factor is owed at `POST /auth/mfa`. */
export type MfaChallenge = Schemas['MfaChallengeOut'];
export type MfaMethod = Schemas['MfaMethod'];
export type MfaEnrollment = Schemas['MfaEnrollmentOut'];
export type MfaEnabled = Schemas['MfaEnabledOut'];
export type PasswordChange = Schemas['PasswordChange'];
export type PasswordResetResult = Schemas['PasswordResetOut'];

/** Sign-in answers a session (200) or a second-factor challenge (202). */
export function isMfaChallenge(answer: SessionInfo | MfaChallenge): answer is MfaChallenge {
  return 'mfa_required' in answer && answer.mfa_required === true;
}

export interface FieldError {
  field: string;
  message: string;
  type: string;
}

/** RFC 9457 problem details, the body of every error answer. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string | null;
  errors?: FieldError[] | null;
}

export type MemberSummary = Schemas['MemberListItem'];
export type MemberPage = Schemas['MemberList'];
export type MemberQuery = NonNullable<operations['get_members']['parameters']['query']>;
export type AccessType = MemberSummary['access_type'];
export type MemberStatus = MemberSummary['status'];

export type Member = Schemas['MemberOut'];
export type MemberProfile = Schemas['ProfileOut'];
export type MemberDetail = Schemas['MemberScreen'];
export type MemberUpdate = Schemas['MemberPatch'];

export type Wellness = Schemas['WellnessAssessment'];
export type WellnessBand = Schemas['WellnessScore'];
export type WellnessInput = Schemas['WellnessInput'];

export type Plan = Schemas['Plan'];
export type InsuranceLine = Schemas['InsuranceLine'];
export type LinePlan = Plan | Schemas['ItemPlan'][];
export type RiskPlans = Schemas['RiskProfile'];
export type RiskLine = Schemas['LineAssessment'];
export type RiskReason = Schemas['Reason'];
export type StoredRiskProfile = Schemas['RiskProfileRecord'];
export type RiskProfileInput = Schemas['RiskProfileRequest'];
export type MaritalStatus = Schemas['MaritalStatus'];
export type OwnershipStatus = Schemas['OwnershipStatus'];

export type LinkedItemStatus = 'active' | 'needs_relink' | 'disconnected';
export type SyncStatus = 'idle' | 'syncing' | 'failed';
export type Account = Schemas['AccountOut'];
export type LinkedItem = Schemas['LinkedItemOut'];
export type LinkToken = Schemas['LinkToken'];

export type Appointment = Schemas['AppointmentOut'];
export type AppointmentList = Schemas['AppointmentList'];

export type MessageStatus = 'requested' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed';
export type Message = Schemas['MessageOut'];
export type Note = Schemas['NoteOut'];

export type SignupRequest = Schemas['SignupIn'];
export type SignupAccepted = Schemas['SignupAccepted'];
export type SignedUpMember = Schemas['SignupOut'];

export type AdminUser = Schemas['ManagedUser'];
export type UserList = Schemas['UserList'];
export type NewUser = Schemas['NewUser'];
export type AuditEntry = Schemas['AuditEntry'];
export type AuditPage = Schemas['AuditPage'];
export type AuditQuery = NonNullable<operations['audit_log']['parameters']['query']>;

export type Employer = Schemas['EmployerOut'];
export type EmployerList = Schemas['EmployerList'];
export type UploadUrl = Schemas['UploadUrl'];
export type FileAccepted = Schemas['FileAccepted'];
export type EligibilityFile = Schemas['EligibilityFileOut'];
export type EligibilityFileList = Schemas['EligibilityFileList'];
