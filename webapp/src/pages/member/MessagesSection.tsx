import { useState, type FormEvent } from 'react';
import { api } from '../../api/endpoints';
import type { Member, Message } from '../../api/types';
import { Badge, ErrorAlert, SuccessAlert, WarningAlert } from '../../components/feedback';
import { formatDateTime, isE164 } from '../../format/format';
import { useAction } from '../../hooks/useResource';

export const SMS_MAX_LENGTH = 1_600;

/** Why an SMS cannot go to this member, before anything is sent; null when it can. */
export function smsBlocker(member: Pick<Member, 'sms_opt_in' | 'phone_e164' | 'status'>): string | null {
  if (member.status === 'terminated') return 'This member’s access has ended; SMS cannot be sent.';
  if (!member.sms_opt_in) return 'This member has not agreed to receive SMS, so messages cannot be sent.';
  if (!member.phone_e164) return 'This member has no mobile phone number on file.';
  if (!isE164(member.phone_e164)) return `The phone number on file (${member.phone_e164}) is not a valid international number.`;
  return null;
}

const STATUS_HELP: Record<string, string> = {
  requested: 'Queued',
  sending: 'Sending',
  sent: 'Sent to carrier',
  delivered: 'Delivered',
  undelivered: 'Not delivered',
  failed: 'Failed',
};

/** The SMS timeline with delivery statuses, and the form to send one. */
export function MessagesSection({
  member,
  messages,
  onChanged,
}: {
  member: Member;
  messages: Message[];
  onChanged: () => Promise<void>;
}) {
  const [body, setBody] = useState('');
  const blocker = smsBlocker(member);
  const send = useAction(async (text: string) => {
    await api.sendMessage(member.id, text);
    setBody('');
    await onChanged();
    return 'Message queued. Its delivery status updates below.';
  });
  const sorted = [...messages].sort((a, b) => b.created_at.localeCompare(a.created_at));

  function submit(event: FormEvent) {
    event.preventDefault();
    const text = body.trim();
    if (!text || blocker) return;
    void send.run(text);
  }

  return (
    <section className="card" aria-labelledby="messages-title">
      <h2 id="messages-title">Messages</h2>
      <form className="inline-form" onSubmit={submit} noValidate>
        {blocker && <WarningAlert id="sms-blocker">{blocker}</WarningAlert>}
        <div className="field">
          <label htmlFor="sms-body">SMS to {member.phone_e164 ?? 'member'}</label>
          <textarea
            id="sms-body"
            rows={3}
            maxLength={SMS_MAX_LENGTH}
            value={body}
            disabled={Boolean(blocker)}
            aria-describedby={blocker ? 'sms-blocker sms-count' : 'sms-count'}
            onChange={(event) => setBody(event.target.value)}
          />
          <p id="sms-count" className="hint">
            {body.length} / {SMS_MAX_LENGTH} characters
          </p>
        </div>
        {send.error != null && <ErrorAlert error={send.error} />}
        {send.success && <SuccessAlert>{send.success}</SuccessAlert>}
        <button type="submit" disabled={Boolean(blocker) || send.busy || !body.trim()}>
          {send.busy ? 'Sending…' : 'Send SMS'}
        </button>
      </form>
      {sorted.length === 0 ? (
        <p className="empty">No messages yet.</p>
      ) : (
        <ol className="timeline" aria-label="Messages, newest first">
          {sorted.map((message) => (
            <li key={message.id} className="message" data-status={message.status}>
              <p className="message-body">{message.body}</p>
              <p className="message-meta">
                <Badge value={message.status} label={STATUS_HELP[message.status] ?? message.status} />
                <span className="muted small">{formatDateTime(message.created_at)}</span>
                {message.error_code && <span className="muted small">error {message.error_code}</span>}
              </p>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
