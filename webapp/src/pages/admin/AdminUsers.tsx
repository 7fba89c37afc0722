import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api/endpoints';
import type { AdminUser, Role } from '../../api/types';
import { useSession } from '../../auth/session';
import { Badge, ErrorAlert, Loading, SuccessAlert } from '../../components/feedback';
import { useAction, useResource } from '../../hooks/useResource';

/** Admin: the console's users, creating one, disabling or enabling one. */
export function AdminUsers() {
  const { user: me } = useSession();
  const users = useResource('admin-users', async (signal) => (await api.listUsers(signal)).items);
  const [email, setEmail] = useState('');
  const [fullName, setFullName] = useState('');
  const [role, setRole] = useState<Role>('advisor');
  const [password, setPassword] = useState('');
  useEffect(() => {
    document.title = 'Users · Origin advisor console';
  }, []);

  const create = useAction(async () => {
    const created = await api.createUser({ email: email.trim(), full_name: fullName.trim(), role, password });
    setEmail('');
    setFullName('');
    setPassword('');
    await users.reload();
    return `${created?.full_name ?? 'User'} can now sign in.`;
  });
  const toggle = useAction(async (user: AdminUser) => {
    const disable = !user.disabled;
    await api.setUserDisabled(user.id, disable);
    await users.reload();
    return `${user.full_name} ${disable ? 'is disabled and signed out' : 'is enabled again'}.`;
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    void create.run();
  }

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <div className="tool-grid">
        <div className="card">
          <h2>Everyone with access</h2>
          {toggle.success && <SuccessAlert>{toggle.success}</SuccessAlert>}
          {toggle.error != null && <ErrorAlert error={toggle.error} />}
          {users.loading && !users.data && <Loading label="Loading users…" />}
          {users.error != null && <ErrorAlert error={users.error} onRetry={() => void users.reload()} />}
          {users.data && users.data.length === 0 && <p className="empty">No users.</p>}
          {users.data && users.data.length > 0 && (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Users</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Role</th>
                    <th scope="col">State</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {users.data.map((user) => (
                    <tr key={user.id}>
                      <th scope="row">
                        {user.full_name}
                        <br />
                        <span className="muted small">{user.email}</span>
                      </th>
                      <td data-label="Role">{user.role === 'admin' ? 'Admin' : 'Advisor'}</td>
                      <td data-label="State">
                        {user.disabled ? (
                          <Badge value="disabled" label="Disabled" />
                        ) : (
                          <Badge value="active" />
                        )}
                      </td>
                      <td>
                        {user.id !== me?.id && (
                          <button
                            type="button"
                            className="button-secondary button-small"
                            disabled={toggle.busy}
                            onClick={() => void toggle.run(user)}
                          >
                            {user.disabled ? 'Enable' : 'Disable'}
                            <span className="visually-hidden"> {user.full_name}</span>
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
        <form className="card" onSubmit={submit} noValidate aria-labelledby="new-user-title">
          <h2 id="new-user-title">Add a user</h2>
          <div className="field">
            <label htmlFor="new-user-name">Full name</label>
            <input id="new-user-name" value={fullName} onChange={(event) => setFullName(event.target.value)} required />
          </div>
          <div className="field">
            <label htmlFor="new-user-email">Email</label>
            <input id="new-user-email" type="email" value={email} onChange={(event) => setEmail(event.target.value)} required />
          </div>
          <div className="field">
            <label htmlFor="new-user-role">Role</label>
            <select id="new-user-role" value={role} onChange={(event) => setRole(event.target.value as Role)}>
              <option value="advisor">Advisor</option>
              <option value="admin">Admin</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="new-user-password">Initial password</label>
            <input
              id="new-user-password"
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              required
            />
          </div>
          {create.error != null && <ErrorAlert error={create.error} />}
          {create.success && <SuccessAlert>{create.success}</SuccessAlert>}
          <button type="submit" disabled={create.busy || !email || !fullName || !password}>
            {create.busy ? 'Adding…' : 'Add user'}
          </button>
        </form>
      </div>
    </section>
  );
}
