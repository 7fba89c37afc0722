import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, describeError } from '../api/problem';
import { safeNext, useSession } from '../auth/session';
import { WarningAlert } from '../components/feedback';

/** Sign-in: clear wording for wrong credentials, disabled accounts and throttling. */
export function SignIn() {
  const { status, reason, signIn } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const errorRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    document.title = 'Sign in · Origin advisor console';
  }, []);
  useEffect(() => {
    if (error) errorRef.current?.focus();
  }, [error]);

  if (status === 'signed-in' && !busy) return <Navigate to={next} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email.trim(), password);
      navigate(next, { replace: true });
    } catch (caught) {
      setError(signInMessage(caught));
      setBusy(false);
    }
  }

  return (
    <main id="main" className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} noValidate aria-describedby={error ? 'sign-in-error' : undefined}>
        <h1>Sign in to the advisor console</h1>
        {reason === 'expired' && !error && (
          <WarningAlert>Your session has expired. Sign in again to continue where you were.</WarningAlert>
        )}
        {reason === 'signed-out' && !error && <p className="muted" role="status">You have signed out.</p>}
        {error && (
          <div className="alert alert-error" role="alert" id="sign-in-error" tabIndex={-1} ref={errorRef}>
            {error}
          </div>
        )}
        <div className="field">
          <label htmlFor="email">Email</label>
          <input
            id="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </div>
        <button type="submit" disabled={busy || !email || !password}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted">
          Joining Origin as a member? <Link to="/sign-up">Sign up</Link>
        </p>
      </form>
    </main>
  );
}

export function signInMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return 'That email and password do not match an active advisor account.';
    if (error.status === 429) {
      const wait = error.retryAfter;
      const minutes = wait && wait >= 90 ? `${Math.ceil(wait / 60)} minutes` : wait ? `${wait} seconds` : 'a few minutes';
      return `Too many sign-in attempts. For your security, sign-in is paused: try again in ${minutes}.`;
    }
    if (error.status === 422) return 'Enter a valid email address and your password.';
  }
  return describeError(error);
}
