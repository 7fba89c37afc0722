import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../api/endpoints';
import { ErrorAlert, Loading } from '../../components/feedback';
import { formatDateTime, humanize } from '../../format/format';
import { useResource } from '../../hooks/useResource';

/** Admin: who saw or changed which member's data, newest first. */
export function AdminAudit() {
  const [cursors, setCursors] = useState<number[]>([]);
  const cursor = cursors[cursors.length - 1];
  const audit = useResource(`audit-${cursor ?? ''}`, (signal) => api.listAudit({ cursor, limit: 50 }, signal));
  // The log names actors by id; the users list turns ids into names.
  const users = useResource('audit-users', async (signal) => (await api.listUsers(signal)).items);
  const names = new Map((users.data ?? []).map((user) => [user.id, user.full_name]));
  useEffect(() => {
    document.title = 'Audit log · Origin advisor console';
  }, []);

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      {audit.loading && !audit.data && <Loading label="Loading the audit log…" />}
      {audit.error != null && <ErrorAlert error={audit.error} onRetry={() => void audit.reload()} />}
      {audit.data && audit.data.items.length === 0 && <p className="empty card">Nothing recorded yet.</p>}
      {audit.data && audit.data.items.length > 0 && (
        <div className="card table-wrap">
          <table>
            <caption className="visually-hidden">Audit entries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Member</th>
                <th scope="col">Request</th>
              </tr>
            </thead>
            <tbody>
              {audit.data.items.map((entry) => (
                <tr key={entry.id}>
                  <td data-label="When">{formatDateTime(entry.occurred_at)}</td>
                  <td data-label="Who">{entry.actor_id ? (names.get(entry.actor_id) ?? entry.actor_id) : 'System'}</td>
                  <td data-label="Action">
                    {humanize(entry.action)} <span className="muted small">{entry.resource}</span>
                  </td>
                  <td data-label="Member">
                    {entry.member_id ? <Link to={`/members/${entry.member_id}`}>{entry.member_id.slice(0, 8)}</Link> : '—'}
                  </td>
                  <td data-label="Request" className="muted small">
                    {entry.request_id ?? '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label="Pages of the audit log">
        <button type="button" className="button-secondary" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer
        </button>
        <button
          type="button"
          className="button-secondary"
          disabled={!audit.data?.next_cursor}
          onClick={() => {
            const next = audit.data?.next_cursor;
            if (next != null) setCursors([...cursors, next]);
          }}
        >
          Older
        </button>
      </nav>
    </section>
  );
}
