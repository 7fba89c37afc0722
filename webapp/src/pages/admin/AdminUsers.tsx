import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api/endpoints';
import type { AdminUser, Role } from '../../api/types';
import { useSession } from '../../auth/session';
import { Badge, ErrorAlert, Loading, SuccessAlert } from '../../components/feedback';
import { useAction, useResource } from '../../hooks/useResource';

/**
 * Admin: the console's users, creating one, disabling or enabling one, and resetting one's
 * password (a temporary one shown once, to change at next sign-in; optionally their MFA too).
 */
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
  const [resetMfa, setResetMfa] = useState(false);
  const [temporary, setTemporary] = useState<{ name: string; password: string } | null>(null);
  const reset = useAction(async (user: AdminUser) => {
    setTemporary(null);
    const result = await api.resetUserPassword(user.id, resetMfa);
    if (result.temporary_password) setTemporary({ name: user.full_name, password: result.temporary_password });
    await users.reload();
    return `${user.full_name} is signed out everywhere and must choose a new password at next sign-in${
      resetMfa ? ', then set up multi-factor sign-in again' : ''
    }.`;
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
          {reset.success && <SuccessAlert>{reset.success}</SuccessAlert>}
          {reset.error != null && <ErrorAlert error={reset.error} />}
          {temporary && (
            <div className="alert alert-warning password-reset-result" role="status">
              <p>
                Temporary password for {temporary.name}, shown only now: <code>{temporary.password}</code>
              </p>
              <p className="small">Give it to them in person or by phone, never by email.</p>
            </div>
          )}
          <div className="field checkbox">
            <input id="reset-mfa" type="checkbox" checked={resetMfa} onChange={(event) => setResetMfa(event.target.checked)} />
            <label htmlFor="reset-mfa">Resets also forget the authenticator app (lost phone): MFA is set up again</label>
          </div>
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
                    <th scope="col">Sign-in</th>
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
                      <td data-label="Sign-in">
                        {user.mfa_enabled ? 'Password and MFA' : 'Password only'}
                        {user.password_change_required && (
                          <>
                            <br />
                            <span className="muted small">Must change password</span>
                          </>
                        )}
                      </td>
                      <td>
                        {user.id !== me?.id && (
                          <div className="button-row">
                            <button
                              type="button"
                              className="button-secondary button-small"
                              disabled={toggle.busy}
                              onClick={() => void toggle.run(user)}
                            >
                              {user.disabled ? 'Enable' : 'Disable'}
                              <span className="visually-hidden"> {user.full_name}</span>
                            </button>
                            <button
                              type="button"
                              className="button-secondary button-small"
                              disabled={reset.busy}
                              onClick={() => void reset.run(user)}
                            >
                              Reset password
                              <span className="visually-hidden"> of {user.full_name}</span>
                            </button>
                          </div>
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
              aria-describedby="new-user-password-help"
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              required
            />
            <span id="new-user-password-help" className="muted small">
              At least 8 characters (15 or more recommended, and required for an account that signs in without
              multi-factor sign-in). Common passwords are refused. Admins set up multi-factor sign-in at their first
              sign-in.
            </span>
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
