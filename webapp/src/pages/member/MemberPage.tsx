import { useEffect } from 'react';
import { useParams } from 'react-router-dom';
import { ApiError } from '../../api/problem';
import { ErrorAlert, Loading } from '../../components/feedback';
import { useMemberStream } from '../../hooks/useMemberStream';
import { NotFound } from '../NotFound';
import { AccountsSection } from './AccountsSection';
import { AppointmentsSection } from './AppointmentsSection';
import { MemberDetails } from './MemberDetails';
import { MessagesSection } from './MessagesSection';
import { NotesSection } from './NotesSection';
import { RiskSection } from './RiskSection';
import { WellnessSection } from './WellnessSection';

const LIVE_TEXT = {
  connecting: 'Connecting to live updates…',
  live: 'Live: changes appear as they happen',
  reconnecting: 'Reconnecting to live updates…',
  ended: 'Live updates stopped',
} as const;

// Changes arrive on the live stream (the bff pushes them as they commit): after an action
// the page has nothing to reload.
const nothingToReload = async () => undefined;

/**
 * Live statuses (SMS delivery, account sync, appointments booked elsewhere) are pushed by
 * the bff over server-sent events: no polling.
 */
export function MemberPage() {
  const { memberId = '' } = useParams();
  const detail = useMemberStream(memberId);
  const data = detail.data;
  const name = data ? data.member.full_name || data.member.email : null;

  useEffect(() => {
    document.title = `${name ?? 'Member'} · Origin advisor console`;
  }, [name]);

  if (detail.error instanceof ApiError && detail.error.status === 404) return <NotFound what="member" />;
  if (!data) {
    return detail.error != null ? (
      <ErrorAlert error={detail.error} onRetry={() => window.location.reload()} />
    ) : (
      <Loading label="Loading member…" />
    );
  }
  const reload = nothingToReload;
  return (
    <article className="member" aria-labelledby="member-title">
      <header className="member-header">
        <h1 id="member-title">{name}</h1>
        <p className="muted refresh-note" role="status" data-live={detail.state}>
          {LIVE_TEXT[detail.state]}
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
