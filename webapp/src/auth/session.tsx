/**
 * Who is signed in. The bff keeps the session in an HttpOnly cookie; the console only
 * knows the user and the CSRF token it was given, asks `GET /me` on start, and treats
 * any 401 from a signed-in call as "session expired": back to sign-in, then back here.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { onUnauthorized, setCsrfToken } from '../api/client';
import { api } from '../api/endpoints';
import type { User } from '../api/types';

type Status = 'loading' | 'signed-in' | 'signed-out';

interface SessionState {
  status: Status;
  user: User | null;
  /** Why the advisor was signed out: shown on the sign-in page. */
  reason: 'expired' | 'signed-out' | null;
}

interface SessionApi extends SessionState {
  signIn: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionApi | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading', user: null, reason: null });

  useEffect(() => {
    const controller = new AbortController();
    api
      .me(controller.signal)
      .then((session) => {
        setCsrfToken(session.csrf_token);
        setState({ status: 'signed-in', user: session.user, reason: null });
      })
      .catch((error: unknown) => {
        if (error instanceof DOMException && error.name === 'AbortError') return;
        setState({ status: 'signed-out', user: null, reason: null });
      });
    return () => controller.abort();
  }, []);

  useEffect(() => {
    onUnauthorized(() => {
      setCsrfToken(null);
      setState((current) =>
        current.status === 'signed-in' ? { status: 'signed-out', user: null, reason: 'expired' } : current,
      );
    });
    return () => onUnauthorized(null);
  }, []);

  const signIn = useCallback(async (email: string, password: string) => {
    const session = await api.login(email, password);
    setCsrfToken(session.csrf_token);
    setState({ status: 'signed-in', user: session.user, reason: null });
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } finally {
      setCsrfToken(null);
      setState({ status: 'signed-out', user: null, reason: 'signed-out' });
    }
  }, []);

  const value = useMemo(() => ({ ...state, signIn, signOut }), [state, signIn, signOut]);
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

/** Render the page for a signed-in advisor; otherwise go to sign-in, remembering this page. */
export function RequireAuth({ children, role }: { children: ReactNode; role?: User['role'] }) {
  const { status, user, reason } = useSession();
  const location = useLocation();
  if (status === 'loading') {
    return (
      <p className="loading" role="status">
        Checking your session…
      </p>
    );
  }
  if (status !== 'signed-in' || !user) {
    // After an explicit sign-out the next advisor starts fresh; otherwise come back here.
    if (reason === 'signed-out') return <Navigate to="/sign-in" replace />;
    const next = `${location.pathname}${location.search}${location.hash}`;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  if (role && user.role !== role) {
    return <Navigate to="/members" replace />;
  }
  return <>{children}</>;
}
