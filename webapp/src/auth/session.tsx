/**
 * Who is signed in. The bff keeps the session in an HttpOnly cookie; the console only
 * knows the user and the CSRF token it was given, asks `GET /me` on start, and treats
 * any 401 from a signed-in call as "session expired": back to sign-in, then back here.
 *
 * Sign-in has two steps when the user has MFA on: the password answers a challenge
 * (status `mfa-challenge`), then a code answers the session. A session may still owe
 * something (`requires`: a new password after an admin reset, MFA enrollment): until it
 * is settled every page but account security sends the user there.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { onUnauthorized, setCsrfToken } from '../api/client';
import { api } from '../api/endpoints';
import { isMfaChallenge, type MfaMethod, type Owed, type SessionInfo, type User } from '../api/types';

type Status = 'loading' | 'signed-in' | 'signed-out' | 'mfa-challenge';

interface SessionState {
  status: Status;
  user: User | null;
  /** What the session must do before any data is reachable, in order. */
  requires: Owed[];
  /** Why the advisor was signed out: shown on the sign-in page. */
  reason: 'expired' | 'signed-out' | null;
}

interface SessionApi extends SessionState {
  /** The password step; resolves 'mfa' when a code is owed next. */
  signIn: (email: string, password: string) => Promise<'signed-in' | 'mfa'>;
  verifyMfa: (method: MfaMethod, code: string) => Promise<void>;
  /** Back from the code step to the password step. */
  cancelMfa: () => void;
  /** Take a session the bff answered (after a password change or MFA enrollment). */
  adopt: (session: SessionInfo) => void;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionApi | null>(null);

const SIGNED_OUT: SessionState = { status: 'signed-out', user: null, requires: [], reason: null };

function signedIn(session: SessionInfo): SessionState {
  setCsrfToken(session.csrf_token);
  return { status: 'signed-in', user: session.user, requires: session.requires ?? [], reason: null };
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading', user: null, requires: [], reason: null });

  useEffect(() => {
    const controller = new AbortController();
    api
      .me(controller.signal)
      .then((session) => setState(signedIn(session)))
      .catch((error: unknown) => {
        if (error instanceof DOMException && error.name === 'AbortError') return;
        setState(SIGNED_OUT);
      });
    return () => controller.abort();
  }, []);

  useEffect(() => {
    onUnauthorized(() => {
      setCsrfToken(null);
      setState((current) =>
        current.status === 'signed-in' ? { ...SIGNED_OUT, reason: 'expired' } : current,
      );
    });
    return () => onUnauthorized(null);
  }, []);

  const signIn = useCallback(async (email: string, password: string) => {
    const answer = await api.login(email, password);
    if (isMfaChallenge(answer)) {
      setState((current) => ({ ...current, status: 'mfa-challenge', user: null, requires: [] }));
      return 'mfa' as const;
    }
    setState(signedIn(answer));
    return 'signed-in' as const;
  }, []);

  const verifyMfa = useCallback(async (method: MfaMethod, code: string) => {
    setState(signedIn(await api.verifyMfa(method, code)));
  }, []);

  const cancelMfa = useCallback(() => setState(SIGNED_OUT), []);

  const adopt = useCallback((session: SessionInfo) => setState(signedIn(session)), []);

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } finally {
      setCsrfToken(null);
      setState({ ...SIGNED_OUT, reason: 'signed-out' });
    }
  }, []);

  const value = useMemo(
    () => ({ ...state, signIn, verifyMfa, cancelMfa, adopt, signOut }),
    [state, signIn, verifyMfa, cancelMfa, adopt, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession needs a SessionProvider');
  return session;
}

/** Where to return after sign-in: only a path on this site, never another origin. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/members';
  if (next.startsWith('/sign-in')) return '/members';
  return next;
}

/** The account security page, where whatever a session owes is settled. */
export const ACCOUNT_PATH = '/account';

/**
 * Render the page for a signed-in advisor; otherwise go to sign-in, remembering this page.
 * A session that still owes a password change or MFA enrollment goes to account security
 * first, remembering this page too.
 */
export function RequireAuth({ children, role }: { children: ReactNode; role?: User['role'] }) {
  const { status, user, reason, requires } = useSession();
  const location = useLocation();
  if (status === 'loading') {
    return (
      <p className="loading" role="status">
        Checking your session…
      </p>
    );
  }
  const here = `${location.pathname}${location.search}${location.hash}`;
  if (status !== 'signed-in' || !user) {
    // After an explicit sign-out the next advisor starts fresh; otherwise come back here.
    if (reason === 'signed-out') return <Navigate to="/sign-in" replace />;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(here)}`} replace />;
  }
  if (requires.length > 0 && location.pathname !== ACCOUNT_PATH) {
    return <Navigate to={`${ACCOUNT_PATH}?next=${encodeURIComponent(here)}`} replace />;
  }
  if (role && user.role !== role) {
    return <Navigate to="/members" replace />;
  }
  return <>{children}</>;
}
