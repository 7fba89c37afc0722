import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../api/endpoints';
import { ApiError } from '../api/problem';
import type { SignedUpMember } from '../api/types';
import { ErrorAlert } from '../components/feedback';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The sign-up token from the link (`/verify#token=...`; `?token=` works too). */
function readToken(): string | null {
  const token =
    new URLSearchParams(window.location.hash.replace(/^#/, '')).get('token') ??
    new URLSearchParams(window.location.search).get('token');
  return token && TOKEN.test(token) ? token : null;
}

/**
 * Take the token out of the address bar, so it is neither kept in history nor shown to
 * whoever looks at the screen, nor sent on as a referrer.
 */
function forgetToken(): void {
  const query = new URLSearchParams(window.location.search);
  const inHash = new URLSearchParams(window.location.hash.replace(/^#/, '')).has('token');
  if (!inHash && !query.has('token')) return;
  query.delete('token');
  const search = query.toString();
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${search ? `?${search}` : ''}`);
}

/** The emailed link lands here: confirm the password chosen at sign-up to create the account. */
export function VerifySignup() {
  const [token] = useState(readToken);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [linkDead, setLinkDead] = useState(false);
  const [member, setMember] = useState<SignedUpMember | null>(null);
  const doneRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    document.title = 'Finish signing up · Origin';
    forgetToken();
  }, []);
  useEffect(() => {
    if (member) doneRef.current?.focus();
  }, [member]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!token) return;
    setBusy(true);
    setError(null);
    try {
      setMember(await api.verifySignup(token, password));
      setPassword('');
    } catch (caught) {
      setError(caught);
      // Invalid, expired, used, or already an account: this link cannot be tried again.
      if (caught instanceof ApiError && (caught.status === 400 || caught.status === 409)) setLinkDead(true);
    } finally {
      setBusy(false);
    }
  }

  if (member) {
    return (
      <main id="main" className="sign-in">
        <div className="card sign-in-card">
          <h1 tabIndex={-1} ref={doneRef}>
            Your account is ready
          </h1>
          <p role="status">
            Welcome to Origin{member.full_name ? `, ${member.full_name}` : ''}.{' '}
            {member.employer ? `Your benefit through ${member.employer.name} is active.` : 'Your membership is active.'}
          </p>
          <p>Sign in with {member.email} and the password you chose.</p>
        </div>
      </main>
    );
  }

  if (!token || linkDead) {
    return (
      <main id="main" className="sign-in">
        <div className="card sign-in-card">
          <h1>Finish signing up</h1>
          {error !== null ? (
            <ErrorAlert error={error} />
          ) : (
            <p className="alert alert-error" role="alert">
              This page needs the link from your sign-up email. Open the link from the email again.
            </p>
          )}
          <p>
            <Link to="/sign-up">Sign up again</Link> to get a new link.
          </p>
        </div>
      </main>
    );
  }

  return (
    <main id="main" className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} noValidate>
        <h1>Finish signing up</h1>
        <p>Enter the password you chose when you signed up to create your account.</p>
        {error !== null && <ErrorAlert error={error} />}
        <div className="field">
          <label htmlFor="verify-password">Password</label>
          <input
            id="verify-password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </div>
        <button type="submit" disabled={busy || !password}>
          {busy ? 'Finishing…' : 'Finish signing up'}
        </button>
      </form>
    </main>
  );
}
