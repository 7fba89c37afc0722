import { useState, type FormEvent } from 'react';
import { api } from '../../api/endpoints';
import type { Member } from '../../api/types';
import { Badge, ErrorAlert, SuccessAlert } from '../../components/feedback';
import { isE164 } from '../../format/format';
import { useAction } from '../../hooks/useResource';

/** Who the member is, and the contact details an advisor may correct. */
export function MemberDetails({ member, onChanged }: { member: Member; onChanged: () => Promise<void> }) {
  const [editing, setEditing] = useState(false);
  const [phone, setPhone] = useState(member.phone_e164 ?? '');
  const [optIn, setOptIn] = useState(member.sms_opt_in);
  const save = useAction(async () => {
    await api.updateMember(member.id, { phone_e164: phone.trim() || null, sms_opt_in: optIn });
    await onChanged();
    setEditing(false);
    return 'Contact details saved.';
  });
  const phoneInvalid = phone.trim() !== '' && !isE164(phone.trim());

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!phoneInvalid) void save.run();
  }

  return (
    <section className="card span-2" aria-labelledby="details-title">
      <h2 id="details-title">Details</h2>
      <dl className="facts">
        <div>
          <dt>Email</dt>
          <dd>{member.email}</dd>
        </div>
        <div>
          <dt>Phone</dt>
          <dd>{member.phone_e164 ?? 'None on file'}</dd>
        </div>
        <div>
          <dt>SMS</dt>
          <dd>{member.sms_opt_in ? 'Opted in' : 'Not opted in'}</dd>
        </div>
        <div>
          <dt>Country</dt>
          <dd>{member.country}</dd>
        </div>
        <div>
          <dt>Access</dt>
          <dd>{member.access_type === 'employer' ? `Employer benefit (${member.employer?.name ?? 'unknown employer'})` : 'Direct'}</dd>
        </div>
        <div>
          <dt>Advisor</dt>
          <dd>{member.advisor?.full_name ?? 'Unassigned'}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <Badge value={member.status} />
          </dd>
        </div>
      </dl>
      {save.success && <SuccessAlert>{save.success}</SuccessAlert>}
      {!editing ? (
        <button
          type="button"
          className="button-secondary"
          onClick={() => {
            setPhone(member.phone_e164 ?? '');
            setOptIn(member.sms_opt_in);
            save.reset();
            setEditing(true);
          }}
        >
          Edit contact details
        </button>
      ) : (
        <form onSubmit={submit} className="inline-form" noValidate>
          <div className="field">
            <label htmlFor="edit-phone">Mobile phone (international format)</label>
            <input
              id="edit-phone"
              type="tel"
              inputMode="tel"
              placeholder="+15551234567"
              value={phone}
              aria-invalid={phoneInvalid}
              aria-describedby="edit-phone-hint"
              onChange={(event) => setPhone(event.target.value)}
            />
            <p id="edit-phone-hint" className={phoneInvalid ? 'hint hint-error' : 'hint'}>
              {phoneInvalid ? 'Use + and the country code, e.g. +15551234567.' : 'Leave empty to remove the number.'}
            </p>
          </div>
          <div className="field checkbox">
            <input id="edit-opt-in" type="checkbox" checked={optIn} onChange={(event) => setOptIn(event.target.checked)} />
            <label htmlFor="edit-opt-in">Member agreed to receive SMS</label>
          </div>
          {save.error != null && <ErrorAlert error={save.error} />}
          <div className="button-row">
            <button type="submit" disabled={save.busy || phoneInvalid}>
              {save.busy ? 'Saving…' : 'Save'}
            </button>
            <button type="button" className="button-secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
