import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { api } from '../../api/endpoints';
import type { MfaEnrollment } from '../../api/types';
import { safeNext, useSession } from '../../auth/session';
import { ErrorAlert, SuccessAlert, WarningAlert } from '../../components/feedback';
import { useAction } from '../../hooks/useResource';

/**
 * Account security: multi-factor sign-in and the password. It is also where a session
 * settles what it owes before any data (a new password after an admin reset, MFA
 * enrollment where it is required), then goes on to the page it was headed for.
 */
export function AccountSecurity() {
  const { user, requires } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get('next'));
  const owed = requires[0];
  const wasOwing = useRef(requires.length > 0);

  useEffect(() => {
    document.title = 'Account security · Origin advisor console';
  }, []);

  function settled() {
    // Only leave on our own once everything owed is done (the page stays for codes to save).
    if (wasOwing.current) navigate(next, { replace: true });
  }

  return (
    <section aria-labelledby="account-title" className="account">
      <h1 id="account-title">Account security</h1>
      {owed === 'password_change' && (
        <WarningAlert>
          An administrator reset your password. Choose a new one to continue: nothing else opens until you do.
        </WarningAlert>
      )}
      {owed === 'mfa_enrollment' && (
        <WarningAlert>
          {user?.role === 'admin' ? 'Admins' : 'Everyone'} must sign in with a second factor. Set up multi-factor
          sign-in to continue: nothing else opens until you do.
        </WarningAlert>
      )}
      <div className="tool-grid">
        {owed !== 'password_change' && <MfaCard onDone={requires.length <= 1 ? settled : undefined} />}
        {owed !== 'mfa_enrollment' && (
          <PasswordCard
            forced={owed === 'password_change'}
            onDone={(stillOwes) => {
              if (!stillOwes) settled();
            }}
          />
        )}
      </div>
    </section>
  );
}

function MfaCard({ onDone }: { onDone?: () => void }) {
  const { user, adopt } = useSession();
  const [enrollment, setEnrollment] = useState<MfaEnrollment | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [saved, setSaved] = useState(false);
  const [copied, setCopied] = useState(false);
  const [pendingSession, setPendingSession] = useState<Parameters<typeof adopt>[0] | null>(null);

  const start = useAction(async () => {
    setEnrollment(await api.startMfaEnrollment());
  });
  const confirm = useAction(async () => {
    const enabled = await api.confirmMfaEnrollment(code.trim());
    setCodes(enabled.recovery_codes);
    // Keep showing the codes; the session moves on once they are saved.
    setPendingSession(enabled.session);
    setEnrollment(null);
    setCode('');
  });

  function submitCode(event: FormEvent) {
    event.preventDefault();
    void confirm.run();
  }

  async function copy() {
    if (!codes) return;
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }

  function download() {
    if (!codes) return;
    const text = `Origin advisor console: recovery codes for ${user?.email ?? 'your account'}\nEach code signs you in once without your authenticator app.\n\n${codes.join('\n')}\n`;
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = 'origin-recovery-codes.txt';
    link.click();
    URL.revokeObjectURL(url);
  }

  function finish() {
    if (pendingSession) adopt(pendingSession);
    setCodes(null);
    onDone?.();
  }

  if (codes) {
    return (
      <div className="card" aria-labelledby="codes-title">
        <h2 id="codes-title">Save your recovery codes</h2>
        <SuccessAlert>Multi-factor sign-in is on.</SuccessAlert>
        <p>
          If you lose your phone, each of these codes signs you in once instead of the authenticator app. They are
          shown <strong>only now</strong>: copy or download them and keep them somewhere safe.
        </p>
        <ol className="recovery-codes" aria-label="Recovery codes">
          {codes.map((recovery) => (
            <li key={recovery}>
              <code>{recovery}</code>
            </li>
          ))}
        </ol>
        <div className="button-row">
          <button type="button" className="button-secondary" onClick={() => void copy()}>
            Copy codes
          </button>
          <button type="button" className="button-secondary" onClick={download}>
            Download codes
          </button>
        </div>
        {copied && <p role="status">Copied to the clipboard.</p>}
        <div className="field checkbox">
          <input id="codes-saved" type="checkbox" checked={saved} onChange={(event) => setSaved(event.target.checked)} />
          <label htmlFor="codes-saved">I have saved my recovery codes</label>
        </div>
        <button type="button" disabled={!saved} onClick={finish}>
          Continue
        </button>
      </div>
    );
  }

  if (user?.mfa_enabled) {
    return (
      <div className="card" aria-labelledby="mfa-title">
        <h2 id="mfa-title">Multi-factor sign-in</h2>
        <p>
          <strong>On.</strong> You sign in with your password and a code from your authenticator app (or a recovery
          code). Lost your phone and your codes? Ask an administrator to reset your multi-factor sign-in.
        </p>
      </div>
    );
  }

  return (
    <div className="card" aria-labelledby="mfa-title">
      <h2 id="mfa-title">Multi-factor sign-in</h2>
      {!enrollment && (
        <>
          <p>
            Protect members' data with a second factor: a 6-digit code from an authenticator app (Google
            Authenticator, Microsoft Authenticator, 1Password, …) at every sign-in.
          </p>
          {start.error != null && <ErrorAlert error={start.error} />}
          <button type="button" disabled={start.busy} onClick={() => void start.run()}>
            {start.busy ? 'Preparing…' : 'Set up multi-factor sign-in'}
          </button>
        </>
      )}
      {enrollment && (
        <form onSubmit={submitCode} noValidate>
          <ol className="steps">
            <li>
              Scan this QR code with your authenticator app.
              <img
                className="qr-code"
                src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrollment.qr_svg)}`}
                alt="QR code to add Origin to your authenticator app"
                width={220}
                height={220}
              />
              <details>
                <summary>Cannot scan? Type this key instead</summary>
                <p>
                  <code className="setup-key" data-testid="mfa-secret">
                    {enrollment.secret}
                  </code>
                </p>
                <p className="muted small">Time-based, 6 digits, every 30 seconds.</p>
              </details>
            </li>
            <li>
              <div className="field">
                <label htmlFor="enroll-code">Enter the 6-digit code the app shows</label>
                <input
                  id="enroll-code"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  maxLength={7}
                  value={code}
                  onChange={(event) => setCode(event.target.value)}
                  required
                />
              </div>
            </li>
          </ol>
          {confirm.error != null && <ErrorAlert error={confirm.error} />}
          <button type="submit" disabled={confirm.busy || !code.trim()}>
            {confirm.busy ? 'Checking…' : 'Turn on multi-factor sign-in'}
          </button>
        </form>
      )}
    </div>
  );
}

function PasswordCard({ forced, onDone }: { forced: boolean; onDone: (stillOwes: boolean) => void }) {
  const { user, adopt } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const mismatch = repeat.length > 0 && next !== repeat;
  const change = useAction(async () => {
    const session = await api.changePassword({ current_password: current, new_password: next });
    setCurrent('');
    setNext('');
    setRepeat('');
    adopt(session);
    onDone(session.requires.length > 0);
    return 'Your password is changed. You were signed out everywhere else.';
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!mismatch) void change.run();
  }

  const recommended = user?.mfa_enabled
    ? 'At least 8 characters; 15 or more is recommended. Any characters, spaces too.'
    : 'At least 15 characters while you sign in without multi-factor sign-in (8 once it is on). Any characters, spaces too.';

  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="password-title">
      <h2 id="password-title">{forced ? 'Choose a new password' : 'Change password'}</h2>
      <div className="field">
        <label htmlFor="current-password">{forced ? 'Temporary password' : 'Current password'}</label>
        <input
          id="current-password"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(event) => setCurrent(event.target.value)}
          required
        />
      </div>
      <div className="field">
        <label htmlFor="new-password">New password</label>
        <input
          id="new-password"
          type="password"
          autoComplete="new-password"
          aria-describedby="new-password-help"
          value={next}
          onChange={(event) => setNext(event.target.value)}
          required
        />
        <span id="new-password-help" className="muted small">
          {recommended} Common passwords and your own name or email are refused.
        </span>
      </div>
      <div className="field">
        <label htmlFor="repeat-password">Repeat the new password</label>
        <input
          id="repeat-password"
          type="password"
          autoComplete="new-password"
          aria-invalid={mismatch}
          aria-describedby={mismatch ? 'repeat-error' : undefined}
          value={repeat}
          onChange={(event) => setRepeat(event.target.value)}
          required
        />
        {mismatch && (
          <span id="repeat-error" className="field-error">
            The two new passwords differ.
          </span>
        )}
      </div>
      {change.error != null && <ErrorAlert error={change.error} />}
      {change.success && <SuccessAlert>{change.success}</SuccessAlert>}
      <button type="submit" disabled={change.busy || !current || !next || next !== repeat}>
        {change.busy ? 'Changing…' : 'Change password'}
      </button>
    </form>
  );
}
