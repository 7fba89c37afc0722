import { useEffect } from 'react';
import { Link } from 'react-router-dom';

/** Shown for unknown addresses and for members the advisor may not see (the bff says 404). */
export function NotFound({ what = 'page' }: { what?: string }) {
  useEffect(() => {
    document.title = 'Not found · Origin advisor console';
  }, []);
  return (
    <section className="card not-found" aria-labelledby="not-found-title">
      <h1 id="not-found-title">{what === 'member' ? 'Member not found' : 'Page not found'}</h1>
      <p>
        {what === 'member'
          ? 'This member does not exist or is not assigned to you.'
          : 'There is nothing at this address.'}
      </p>
      <p>
        <Link to="/members">Back to your members</Link>
      </p>
    </section>
  );
}
