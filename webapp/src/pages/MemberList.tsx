import { useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../api/endpoints';
import type { AccessType, AdminUser, MemberStatus } from '../api/types';
import { useSession } from '../auth/session';
import { Badge, ErrorAlert, Loading } from '../components/feedback';
import { useResource } from '../hooks/useResource';

const PAGE_SIZE = 25;

/** A filter value from the URL, or '' when it is missing or not one of the allowed values. */
function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | '' {
  return allowed.includes(value as T) ? (value as T) : '';
}

/** The advisor's members: search, filter, page through; state lives in the URL. */
export function MemberList() {
  const { user } = useSession();
  const isAdmin = user?.role === 'admin';
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const accessType = oneOf<AccessType>(params.get('access_type'), ['employer', 'dtc']);
  const status = oneOf<MemberStatus>(params.get('status'), ['active', 'terminated']);
  const advisorId = params.get('advisor_id') ?? '';
  const cursor = params.get('cursor') ?? '';
  // Cursors of the pages before this one, so "Previous" works with a forward-only API.
  const [previous, setPrevious] = useState<string[]>([]);
  const [search, setSearch] = useState(q);

  useEffect(() => {
    document.title = 'Members · Origin advisor console';
  }, []);

  const key = JSON.stringify({ q, accessType, status, advisorId, cursor });
  const members = useResource(key, (signal) =>
    api.listMembers(
      { q: q || undefined, access_type: accessType || undefined, status: status || undefined, advisor_id: advisorId || undefined, cursor: cursor || undefined, limit: PAGE_SIZE },
      signal,
    ),
  );
  const advisors = useResource(`advisors-${isAdmin}`, async (signal) =>
    isAdmin ? (await api.listUsers(signal)).items : ([] as AdminUser[]),
  );

  function update(changes: Record<string, string>, keepPage = false) {
    const next = new URLSearchParams(params);
    for (const [name, value] of Object.entries(changes)) {
      if (value) next.set(name, value);
      else next.delete(name);
    }
    if (!keepPage) {
      next.delete('cursor');
      setPrevious([]);
    }
    setParams(next);
  }

  function submitSearch(event: FormEvent) {
    event.preventDefault();
    update({ q: search.trim() });
  }

  const page = members.data;
  const filtered = Boolean(q || accessType || status || advisorId);

  return (
    <section aria-labelledby="members-title">
      <h1 id="members-title">Members</h1>
      <form className="filters card" role="search" onSubmit={submitSearch}>
        <div className="field grow">
          <label htmlFor="member-search">Search by name or email</label>
          <input id="member-search" type="search" value={search} onChange={(event) => setSearch(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="filter-access">Access</label>
          <select id="filter-access" value={accessType} onChange={(event) => update({ access_type: event.target.value })}>
            <option value="">All</option>
            <option value="employer">Employer benefit</option>
            <option value="dtc">Direct</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-status">Status</label>
          <select id="filter-status" value={status} onChange={(event) => update({ status: event.target.value })}>
            <option value="">All</option>
            <option value="active">Active</option>
            <option value="terminated">Terminated</option>
          </select>
        </div>
        {isAdmin && (
          <div className="field">
            <label htmlFor="filter-advisor">Advisor</label>
            <select id="filter-advisor" value={advisorId} onChange={(event) => update({ advisor_id: event.target.value })}>
              <option value="">All</option>
              {(advisors.data ?? [])
                .filter((candidate) => candidate.role === 'advisor')
                .map((advisor) => (
                  <option key={advisor.id} value={advisor.id}>
                    {advisor.full_name}
                  </option>
                ))}
            </select>
          </div>
        )}
        <div className="field actions">
          <button type="submit">Search</button>
          {filtered && (
            <button
              type="button"
              className="button-secondary"
              onClick={() => {
                setSearch('');
                setPrevious([]);
                setParams(new URLSearchParams());
              }}
            >
              Clear
            </button>
          )}
        </div>
      </form>

      <div aria-live="polite" aria-busy={members.loading}>
        {members.loading && !page && <Loading label="Loading members…" />}
        {members.error != null && <ErrorAlert error={members.error} onRetry={() => void members.reload()} />}
        {page && page.items.length === 0 && (
          <p className="empty card">{filtered ? 'No members match these filters.' : 'You have no members yet.'}</p>
        )}
        {page && page.items.length > 0 && (
          <div className="table-wrap card">
            <table className="members-table">
              <caption className="visually-hidden">Members{members.loading ? ' (refreshing)' : ''}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Access</th>
                  <th scope="col">Advisor</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((member) => (
                  <tr key={member.id}>
                    <th scope="row">
                      <Link to={`/members/${member.id}`}>{member.full_name || member.email}</Link>
                    </th>
                    <td data-label="Email">{member.email}</td>
                    <td data-label="Access">
                      {member.access_type === 'employer' ? member.employer_name || 'Employer benefit' : 'Direct'}
                    </td>
                    <td data-label="Advisor">{member.advisor?.full_name ?? 'Unassigned'}</td>
                    <td data-label="Status">
                      <Badge value={member.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      {page && (previous.length > 0 || cursor || page.next_cursor) && (
        <nav className="pager" aria-label="Pages of members">
          <button
            type="button"
            className="button-secondary"
            disabled={!cursor}
            onClick={() => {
              const before = previous.slice(0, -1);
              const target = previous[previous.length - 1] ?? '';
              setPrevious(before);
              update({ cursor: target }, true);
            }}
          >
            Previous page
          </button>
          <span>Page {previous.length + (cursor ? 2 : 1)}</span>
          <button
            type="button"
            className="button-secondary"
            disabled={!page.next_cursor}
            onClick={() => {
              setPrevious([...previous, ...(cursor ? [cursor] : [])]);
              update({ cursor: page.next_cursor ?? '' }, true);
            }}
          >
            Next page
          </button>
        </nav>
      )}
    </section>
  );
}
