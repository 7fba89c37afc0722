import { useEffect } from 'react';
import { useParams } from 'react-router-dom';
import { api } from '../../api/endpoints';
import { ApiError } from '../../api/problem';
import { ErrorAlert, Loading } from '../../components/feedback';
import { useResource } from '../../hooks/useResource';
import { NotFound } from '../NotFound';
import { AccountsSection } from './AccountsSection';
import { AppointmentsSection } from './AppointmentsSection';
import { MemberDetails } from './MemberDetails';
import { MessagesSection } from './MessagesSection';
import { NotesSection } from './NotesSection';
import { RiskSection } from './RiskSection';
import { WellnessSection } from './WellnessSection';

/**
 * Live statuses (SMS delivery, account sync, appointments booked elsewhere) come from
 * polling: the member page reloads every 3 seconds while it is visible.
 */
export const MEMBER_POLL_INTERVAL_MS = 3_000;

export function MemberPage() {
  const { memberId = '' } = useParams();
  const detail = useResource(`member-${memberId}`, (signal) => api.getMember(memberId, signal), {
    pollMs: MEMBER_POLL_INTERVAL_MS,
  });
  const data = detail.data;
  const name = data ? data.member.full_name || data.member.email : null;

  useEffect(() => {
    document.title = `${name ?? 'Member'} · Origin advisor console`;
  }, [name]);

  if (detail.error instanceof ApiError && detail.error.status === 404) return <NotFound what="member" />;
  if (!data) {
    return detail.error != null ? (
      <ErrorAlert error={detail.error} onRetry={() => void detail.reload()} />
    ) : (
      <Loading label="Loading member…" />
    );
  }
  const reload = detail.reload;
  return (
    <article className="member" aria-labelledby="member-title">
      <header className="member-header">
        <h1 id="member-title">{name}</h1>
        <p className="muted refresh-note">
          Updates every {MEMBER_POLL_INTERVAL_MS / 1000} seconds
          {detail.error != null ? ' · the last refresh failed, retrying' : ''}
        </p>
      </header>
      <div className="member-grid">
        <MemberDetails member={data.member} onChanged={reload} />
        <WellnessSection wellness={data.wellness} profile={data.profile} />
        <MessagesSection member={data.member} messages={data.messages} onChanged={reload} />
        <RiskSection memberId={memberId} riskProfile={data.risk_profile} hasProfile={data.profile !== null} onChanged={reload} />
        <AccountsSection memberId={memberId} items={data.linked_items} onChanged={reload} />
        <AppointmentsSection memberId={memberId} appointments={data.appointments} onChanged={reload} />
        <NotesSection memberId={memberId} notes={data.notes} onChanged={reload} />
      </div>
    </article>
  );
}
