import { useEffect, useRef, useState } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { describeError } from '../api/problem';
import { useSession } from '../auth/session';

/** The signed-in frame: skip link, navigation, who is signed in, sign out. */
export function Layout() {
  const { user, requires, signOut } = useSession();
  // While the session owes a password change or MFA enrollment, nothing else opens.
  const owing = requires.length > 0;
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const { pathname } = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  // After moving to another screen, start keyboard and screen-reader users at its content.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [pathname]);

  async function handleSignOut() {
    setError(null);
    try {
      await signOut();
      navigate('/sign-in', { replace: true });
    } catch (caught) {
      setError(describeError(caught));
    }
  }

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="topbar">
        <div className="brand">Origin · Advisor console</div>
        <nav aria-label="Main">
          <ul>
            {!owing && (
              <>
                <li>
                  <NavLink to="/members">Members</NavLink>
                </li>
                <li>
                  <NavLink to="/tools/risk-profile">Risk calculator</NavLink>
                </li>
                <li>
                  <NavLink to="/tools/wellness-score">Wellness calculator</NavLink>
                </li>
              </>
            )}
            {user?.role === 'admin' && !owing && (
              <>
                <li>
                  <NavLink to="/admin/users">Users</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/assignments">Assignments</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/audit">Audit log</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/employers">Employers</NavLink>
                </li>
              </>
            )}
            <li>
              <NavLink to="/account">Account security</NavLink>
            </li>
          </ul>
        </nav>
        <div className="who">
          <span className="who-name" title={user?.email}>
            {user?.full_name}
          </span>
          <button type="button" className="button-secondary" onClick={handleSignOut}>
            Sign out
          </button>
        </div>
      </header>
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
      <main id="main" tabIndex={-1} ref={mainRef}>
        <Outlet />
      </main>
    </>
  );
}
