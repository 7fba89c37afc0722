import { useState, type FormEvent } from 'react';
import { api } from '../../api/endpoints';
import type { Note } from '../../api/types';
import { ErrorAlert, SuccessAlert } from '../../components/feedback';
import { formatDateTime } from '../../format/format';
import { useAction } from '../../hooks/useResource';

export function NotesSection({ memberId, notes, onChanged }: { memberId: string; notes: Note[]; onChanged: () => Promise<void> }) {
  const [body, setBody] = useState('');
  const add = useAction(async (text: string) => {
    await api.addNote(memberId, text);
    setBody('');
    await onChanged();
    return 'Note added.';
  });
  const sorted = [...notes].sort((a, b) => b.created_at.localeCompare(a.created_at));

  function submit(event: FormEvent) {
    event.preventDefault();
    if (body.trim()) void add.run(body.trim());
  }

  return (
    <section className="card" aria-labelledby="notes-title">
      <h2 id="notes-title">Notes</h2>
      <form className="inline-form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="note-body">New note</label>
          <textarea id="note-body" rows={3} value={body} onChange={(event) => setBody(event.target.value)} />
        </div>
        {add.error != null && <ErrorAlert error={add.error} />}
        {add.success && <SuccessAlert>{add.success}</SuccessAlert>}
        <button type="submit" disabled={add.busy || !body.trim()}>
          {add.busy ? 'Saving…' : 'Add note'}
        </button>
      </form>
      {sorted.length === 0 ? (
        <p className="empty">No notes yet.</p>
      ) : (
        <ul className="plain-list notes">
          {sorted.map((note) => (
            <li key={note.id}>
              <p className="note-body">{note.body}</p>
              <p className="muted small">
                {note.author.full_name} · {formatDateTime(note.created_at)}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
