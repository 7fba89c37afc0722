import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, describeError } from '../api/problem';
import type { MfaMethod } from '../api/types';
import { safeNext, useSession } from '../auth/session';
import { WarningAlert } from '../components/feedback';

/**
 * Sign-in: the password, then (when the account has MFA on) a code from the authenticator
 * app or a recovery code. Clear wording for wrong credentials, wrong codes and throttling.
 */
export function SignIn() {
  const { status, reason, signIn, verifyMfa, cancelMfa } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [method, setMethod] = useState<MfaMethod>('totp');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const errorRef = useRef<HTMLDivElement>(null);
  const codeRef = useRef<HTMLInputElement>(null);
  const codeStep = status === 'mfa-challenge';

  useEffect(() => {
    document.title = codeStep ? 'Verification code · Origin advisor console' : 'Sign in · Origin advisor console';
  }, [codeStep]);
  useEffect(() => {
    if (error) errorRef.current?.focus();
  }, [error]);
  useEffect(() => {
    if (codeStep) codeRef.current?.focus();
  }, [codeStep, method]);

  if (status === 'signed-in' && !busy) return <Navigate to={next} replace />;

  async function submitPassword(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const outcome = await signIn(email.trim(), password);
      setPassword('');
      if (outcome === 'signed-in') {
        navigate(next, { replace: true });
        return;
      }
      setBusy(false);
    } catch (caught) {
      setError(signInMessage(caught));
      setBusy(false);
    }
  }

  async function submitCode(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await verifyMfa(method, code.trim());
      navigate(next, { replace: true });
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 401) {
        cancelMfa();
        setError('This sign-in has expired or had too many wrong codes. Enter your password again.');
      } else {
        setError(codeMessage(caught));
      }
      setCode('');
      setBusy(false);
    }
  }

  function switchMethod() {
    setMethod((current) => (current === 'totp' ? 'recovery_code' : 'totp'));
    setCode('');
    setError(null);
  }

  const errorAlert = error && (
    <div className="alert alert-error" role="alert" id="sign-in-error" tabIndex={-1} ref={errorRef}>
      {error}
    </div>
  );

  if (codeStep) {
    const totp = method === 'totp';
    return (
      <main id="main" className="sign-in">
        <form className="card sign-in-card" onSubmit={submitCode} noValidate aria-describedby={error ? 'sign-in-error' : 'code-help'}>
          <h1>Verify it is you</h1>
          {errorAlert}
          <p className="muted" id="code-help">
            {totp
              ? 'Enter the 6-digit code your authenticator app shows for Origin.'
              : 'Enter one of the recovery codes you saved when you set up multi-factor sign-in. Each works once.'}
          </p>
          <div className="field">
            <label htmlFor="mfa-code">{totp ? 'Authentication code' : 'Recovery code'}</label>
            <input
              id="mfa-code"
              ref={codeRef}
              inputMode={totp ? 'numeric' : 'text'}
              autoComplete="one-time-code"
              pattern={totp ? '[0-9 ]*' : undefined}
              maxLength={totp ? 7 : 40}
              required
              value={code}
              onChange={(event) => setCode(event.target.value)}
            />
          </div>
          <button type="submit" disabled={busy || !code.trim()}>
            {busy ? 'Checking…' : 'Verify'}
          </button>
          <p>
            <button type="button" className="button-link" onClick={switchMethod}>
              {totp ? 'Use a recovery code instead' : 'Use the authenticator app instead'}
            </button>
          </p>
          <p>
            <button type="button" className="button-link" onClick={cancelMfa}>
              Start again with another account
            </button>
          </p>
        </form>
      </main>
    );
  }

  return (
    <main id="main" className="sign-in">
      <form className="card sign-in-card" onSubmit={submitPassword} noValidate aria-describedby={error ? 'sign-in-error' : undefined}>
        <h1>Sign in to the advisor console</h1>
        {reason === 'expired' && !error && (
          <WarningAlert>Your session has expired. Sign in again to continue where you were.</WarningAlert>
        )}
        {reason === 'signed-out' && !error && <p className="muted" role="status">You have signed out.</p>}
        {errorAlert}
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
    if (error.status === 429) return throttledMessage(error.retryAfter);
    if (error.status === 422) return 'Enter a valid email address and your password.';
  }
  return describeError(error);
}

function codeMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 422) return 'That code is not valid. Check the time on your device and try the newest code.';
    if (error.status === 429) return throttledMessage(error.retryAfter);
  }
  return describeError(error);
}

function throttledMessage(wait: number | null): string {
  const minutes = wait && wait >= 90 ? `${Math.ceil(wait / 60)} minutes` : wait ? `${wait} seconds` : 'a few minutes';
  return `Too many sign-in attempts. For your security, sign-in is paused: try again in ${minutes}.`;
}
