import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../api/endpoints';
import { ErrorAlert } from '../components/feedback';

/**
 * A person joins Origin (through their employer or directly). The bff answers the same
 * for every address, so the page only ever says "check your email": the email says
 * what comes next (a link to finish, or that the address already has an account).
 */
export function SignUp() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [fullName, setFullName] = useState('');
  const [country, setCountry] = useState('US');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const doneRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    document.title = 'Sign up · Origin';
  }, []);
  useEffect(() => {
    if (sentTo) doneRef.current?.focus();
  }, [sentTo]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.signUp({
        email: email.trim(),
        password,
        country: country.trim().toUpperCase(),
        full_name: fullName.trim() || null,
      });
      setSentTo(email.trim());
      setPassword('');
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  if (sentTo) {
    return (
      <main id="main" className="sign-in">
        <div className="card sign-in-card">
          <h1 tabIndex={-1} ref={doneRef}>
            Check your email
          </h1>
          <p role="status">
            We sent an email to <strong>{sentTo}</strong>. Open the link in it within 24 hours to finish signing up.
          </p>
          <p className="muted">No email after a few minutes? Look in your spam folder, or sign up again.</p>
        </div>
      </main>
    );
  }

  return (
    <main id="main" className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} noValidate>
        <h1>Join Origin</h1>
        {error !== null && <ErrorAlert error={error} />}
        <div className="field">
          <label htmlFor="signup-email">Email</label>
          <input
            id="signup-email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="signup-password">Password</label>
          <input
            id="signup-password"
            type="password"
            autoComplete="new-password"
            required
            aria-describedby="signup-password-hint"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
          <p className="muted" id="signup-password-hint">
            At least 8 characters with letters, digits and symbols. You will confirm it when you finish.
          </p>
        </div>
        <div className="field">
          <label htmlFor="signup-name">Full name (optional)</label>
          <input
            id="signup-name"
            autoComplete="name"
            value={fullName}
            onChange={(event) => setFullName(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="signup-country">Country (two letters)</label>
          <input
            id="signup-country"
            autoComplete="country"
            maxLength={2}
            required
            value={country}
            onChange={(event) => setCountry(event.target.value)}
          />
        </div>
        <button type="submit" disabled={busy || !email || !password || country.trim().length !== 2}>
          {busy ? 'Sending…' : 'Sign up'}
        </button>
        <p className="muted">
          Already have an account? <Link to="/sign-in">Sign in</Link>
        </p>
      </form>
    </main>
  );
}
