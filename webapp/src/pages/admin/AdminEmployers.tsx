import { useEffect, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../api/endpoints';
import { ErrorAlert, Loading, SuccessAlert } from '../../components/feedback';
import { formatDateTime } from '../../format/format';
import { useAction, useResource } from '../../hooks/useResource';

/** Admin: employers that offer Origin, and creating one. */
export function AdminEmployers() {
  const employers = useResource('employers', (signal) => api.listEmployers(signal));
  const [name, setName] = useState('');
  const create = useAction(async (value: string) => {
    const employer = await api.createEmployer(value);
    setName('');
    await employers.reload();
    return `Employer ${employer.name} created.`;
  });
  useEffect(() => {
    document.title = 'Employers · Origin advisor console';
  }, []);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (name.trim()) void create.run(name.trim());
  }

  return (
    <section aria-labelledby="employers-title">
      <h1 id="employers-title">Employers</h1>
      <form className="card inline-form" onSubmit={submit} noValidate>
        <h2>New employer</h2>
        <div className="field">
          <label htmlFor="employer-name">Name</label>
          <input id="employer-name" value={name} maxLength={200} onChange={(event) => setName(event.target.value)} />
        </div>
        {create.error != null && <ErrorAlert error={create.error} />}
        {create.success && <SuccessAlert>{create.success}</SuccessAlert>}
        <button type="submit" disabled={create.busy || !name.trim()}>
          {create.busy ? 'Creating…' : 'Create employer'}
        </button>
      </form>
      {employers.loading && !employers.data && <Loading label="Loading employers…" />}
      {employers.error != null && <ErrorAlert error={employers.error} onRetry={() => void employers.reload()} />}
      {employers.data && employers.data.items.length === 0 && <p className="empty card">No employers yet.</p>}
      {employers.data && employers.data.items.length > 0 && (
        <div className="card table-wrap">
          <table>
            <caption className="visually-hidden">Employers by name</caption>
            <thead>
              <tr>
                <th scope="col">Employer</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {employers.data.items.map((employer) => (
                <tr key={employer.id}>
                  <th scope="row">
                    <Link to={`/admin/employers/${employer.id}`}>{employer.name}</Link>
                  </th>
                  <td>{formatDateTime(employer.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
