import { useState, type FormEvent } from 'react';
import { api } from '../../api/endpoints';
import type { Appointment } from '../../api/types';
import { Badge, ErrorAlert, SuccessAlert } from '../../components/feedback';
import { formatRange } from '../../format/format';
import { useNow } from '../../hooks/useNow';
import { useAction } from '../../hooks/useResource';

/** The local date and time the advisor typed, as an ISO instant (UTC) for the bff. */
export function localSlotToIso(date: string, time: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^\d{2}:\d{2}$/.test(time)) return null;
  const instant = new Date(`${date}T${time}`);
  return Number.isNaN(instant.getTime()) ? null : instant.toISOString();
}

function tomorrow(): string {
  const date = new Date(Date.now() + 24 * 3600 * 1000);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function AppointmentsSection({
  memberId,
  appointments,
  onChanged,
}: {
  memberId: string;
  appointments: Appointment[];
  onChanged: () => Promise<void>;
}) {
  const [date, setDate] = useState(tomorrow);
  const [time, setTime] = useState('10:00');
  const [minutes, setMinutes] = useState('30');
  const [formError, setFormError] = useState<string | null>(null);
  const book = useAction(async (startsAt: string, endsAt: string) => {
    await api.bookAppointment(memberId, startsAt, endsAt);
    await onChanged();
    return 'Appointment booked.';
  });
  const cancel = useAction(async (appointment: Appointment) => {
    await api.cancelAppointment(memberId, appointment.id);
    await onChanged();
    return `Appointment of ${formatRange(appointment.starts_at, appointment.ends_at)} cancelled.`;
  });

  const now = useNow();
  const upcoming = appointments
    .filter((appointment) => appointment.status === 'booked' && new Date(appointment.ends_at).getTime() > now)
    .sort((a, b) => a.starts_at.localeCompare(b.starts_at));
  const others = appointments.filter((appointment) => !upcoming.includes(appointment));

  function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    const startsAt = localSlotToIso(date, time);
    if (!startsAt) {
      setFormError('Choose a date and a start time.');
      return;
    }
    if (new Date(startsAt).getTime() <= Date.now()) {
      setFormError('Choose a time in the future.');
      return;
    }
    const endsAt = new Date(new Date(startsAt).getTime() + Number(minutes) * 60_000).toISOString();
    void book.run(startsAt, endsAt);
  }

  return (
    <section className="card" aria-labelledby="appointments-title">
      <h2 id="appointments-title">Appointments</h2>
      {cancel.success && <SuccessAlert>{cancel.success}</SuccessAlert>}
      {cancel.error != null && <ErrorAlert error={cancel.error} />}
      {upcoming.length === 0 ? (
        <p className="empty">No upcoming appointments.</p>
      ) : (
        <ul className="plain-list" aria-label="Upcoming appointments">
          {upcoming.map((appointment) => (
            <li key={appointment.id} className="appointment">
              <span>{formatRange(appointment.starts_at, appointment.ends_at)}</span>
              <span className="muted small">{appointment.source === 'calendly' ? 'booked by the member' : 'booked here'}</span>
              <button
                type="button"
                className="button-secondary button-small"
                disabled={cancel.busy}
                onClick={() => void cancel.run(appointment)}
                aria-label={`Cancel appointment of ${formatRange(appointment.starts_at, appointment.ends_at)}`}
              >
                Cancel
              </button>
            </li>
          ))}
        </ul>
      )}
      {others.length > 0 && (
        <details>
          <summary>Past and cancelled ({others.length})</summary>
          <ul className="plain-list">
            {others.map((appointment) => (
              <li key={appointment.id} className="appointment">
                <span>{formatRange(appointment.starts_at, appointment.ends_at)}</span>
                <Badge value={appointment.status === 'booked' ? 'past' : appointment.status} />
              </li>
            ))}
          </ul>
        </details>
      )}
      <form className="inline-form" onSubmit={submit} noValidate aria-labelledby="book-title">
        <h3 id="book-title">Book an appointment</h3>
        <div className="field-row">
          <div className="field">
            <label htmlFor="appointment-date">Date</label>
            <input id="appointment-date" type="date" value={date} onChange={(event) => setDate(event.target.value)} required />
          </div>
          <div className="field">
            <label htmlFor="appointment-time">Start time</label>
            <input id="appointment-time" type="time" value={time} onChange={(event) => setTime(event.target.value)} required />
          </div>
          <div className="field">
            <label htmlFor="appointment-length">Length</label>
            <select id="appointment-length" value={minutes} onChange={(event) => setMinutes(event.target.value)}>
              <option value="30">30 minutes</option>
              <option value="45">45 minutes</option>
              <option value="60">1 hour</option>
            </select>
          </div>
        </div>
        {formError && (
          <p className="hint hint-error" role="alert">
            {formError}
          </p>
        )}
        {book.error != null && <ErrorAlert error={book.error} />}
        {book.success && <SuccessAlert>{book.success}</SuccessAlert>}
        <button type="submit" disabled={book.busy}>
          {book.busy ? 'Booking…' : 'Book appointment'}
        </button>
      </form>
    </section>
  );
}
