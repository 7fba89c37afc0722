import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api/endpoints';
import { ErrorAlert, Loading, SuccessAlert } from '../../components/feedback';
import { useAction, useResource } from '../../hooks/useResource';

/** Admin: give a member to an advisor (or take them away). */
export function AdminAssignments() {
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const members = useResource(`assign-${query}-${cursor ?? ''}`, (signal) =>
    api.listMembers({ q: query, cursor, limit: 25 }, signal),
  );
  const advisors = useResource('assign-advisors', async (signal) =>
    (await api.listUsers(signal)).items.filter((user) => user.role === 'advisor' && !user.disabled),
  );
  const [choice, setChoice] = useState<Record<string, string>>({});
  useEffect(() => {
    document.title = 'Assignments · Origin advisor console';
  }, []);

  const assign = useAction(async (memberId: string, memberName: string) => {
    const advisorId = choice[memberId] ?? '';
    await api.assignAdvisor(memberId, advisorId || null);
    await members.reload();
    const advisor = advisors.data?.find((candidate) => candidate.id === advisorId);
    return advisor ? `${memberName} is now assigned to ${advisor.full_name}.` : `${memberName} is now unassigned.`;
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    setCursor(undefined);
    setQuery(q.trim());
  }

  return (
    <section aria-labelledby="assign-title">
      <h1 id="assign-title">Assign members to advisors</h1>
      <form className="filters card" role="search" onSubmit={submit}>
        <div className="field grow">
          <label htmlFor="assign-search">Search members</label>
          <input id="assign-search" type="search" value={q} onChange={(event) => setQ(event.target.value)} />
        </div>
        <div className="field actions">
          <button type="submit">Search</button>
        </div>
      </form>
      {assign.success && <SuccessAlert>{assign.success}</SuccessAlert>}
      {assign.error != null && <ErrorAlert error={assign.error} />}
      {advisors.error != null && <ErrorAlert error={advisors.error} />}
      {members.loading && !members.data && <Loading label="Loading members…" />}
      {members.error != null && <ErrorAlert error={members.error} onRetry={() => void members.reload()} />}
      {members.data && members.data.items.length === 0 && <p className="empty card">No members match.</p>}
      {members.data && members.data.items.length > 0 && (
        <div className="card table-wrap">
          <table>
            <caption className="visually-hidden">Members and their advisors</caption>
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Current advisor</th>
                <th scope="col">New advisor</th>
              </tr>
            </thead>
            <tbody>
              {members.data.items.map((member) => {
                const name = member.full_name || member.email;
                const selectId = `advisor-for-${member.id}`;
                return (
                  <tr key={member.id}>
                    <th scope="row">{name}</th>
                    <td data-label="Current advisor">{member.advisor?.full_name ?? 'Unassigned'}</td>
                    <td data-label="New advisor">
                      <div className="assign-row">
                        <label htmlFor={selectId} className="visually-hidden">
                          New advisor for {name}
                        </label>
                        <select
                          id={selectId}
                          value={choice[member.id] ?? member.advisor?.id ?? ''}
                          onChange={(event) => setChoice({ ...choice, [member.id]: event.target.value })}
                        >
                          <option value="">Unassigned</option>
                          {(advisors.data ?? []).map((advisor) => (
                            <option key={advisor.id} value={advisor.id}>
                              {advisor.full_name}
                            </option>
                          ))}
                        </select>
                        <button
                          type="button"
                          className="button-small"
                          disabled={assign.busy || (choice[member.id] ?? member.advisor?.id ?? '') === (member.advisor?.id ?? '')}
                          onClick={() => void assign.run(member.id, name)}
                        >
                          Assign<span className="visually-hidden"> {name}</span>
                        </button>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {members.data?.next_cursor && (
        <nav className="pager" aria-label="More members">
          <button type="button" className="button-secondary" onClick={() => setCursor(undefined)} disabled={!cursor}>
            First page
          </button>
          <button type="button" className="button-secondary" onClick={() => setCursor(members.data?.next_cursor ?? undefined)}>
            Next page
          </button>
        </nav>
      )}
    </section>
  );
}
