import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api } from '../api/endpoints';
import { describeError } from '../api/problem';
import { useSession } from '../auth/session';
import { Loading } from '../components/feedback';
import { LINK_MESSAGE_SOURCE, takePendingLink } from './member/linkFlow';

/**
 * Where the link page redirects when the link token names a `redirect_uri`. In the popup
 * it hands the public token to the console window that opened it; opened on its own it
 * finishes the link itself for the member the advisor started with.
 */
export function LinkComplete() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { status } = useSession();
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);
  const publicToken = params.get('public_token');
  const [memberId] = useState(takePendingLink);
  const isPopup = Boolean(window.opener && !window.opener.closed);
  const problem = !publicToken
    ? 'The link page sent no token back. Start again from the member.'
    : !memberId && !isPopup
      ? 'This link was not started from a member page. Start again from the member.'
      : error;

  useEffect(() => {
    if (!publicToken || started.current) return;
    if (isPopup) {
      started.current = true;
      window.opener.postMessage({ source: LINK_MESSAGE_SOURCE, public_token: publicToken }, window.location.origin);
      window.close();
      return;
    }
    if (status === 'loading' || !memberId) return;
    started.current = true;
    api
      .addLinkedItem(memberId, publicToken)
      .then(() => navigate(`/members/${memberId}`, { replace: true }))
      .catch((caught: unknown) => setError(describeError(caught)));
  }, [publicToken, status, navigate, isPopup, memberId]);

  return (
    <main id="main" className="sign-in">
      <div className="card sign-in-card">
        <h1>Linking the account</h1>
        {!problem && <Loading label="Finishing the link…" />}
        {problem && (
          <p className="alert alert-error" role="alert">
            {problem}
          </p>
        )}
        <p>
          <Link to="/members">Back to your members</Link>
        </p>
      </div>
    </main>
  );
}
