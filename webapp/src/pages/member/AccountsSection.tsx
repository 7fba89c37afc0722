import { api } from '../../api/endpoints';
import type { LinkedItem } from '../../api/types';
import { Badge, ErrorAlert, SuccessAlert, WarningAlert } from '../../components/feedback';
import { formatDateTime, formatMoney, humanize } from '../../format/format';
import { useAction } from '../../hooks/useResource';
import { BalanceChart } from './BalanceChart';
import { openLinkWindow, rememberPendingLink, waitForPublicToken } from './linkFlow';

/** Linked institutions, their accounts and balances, sync state and "needs re-link". */
export function AccountsSection({
  memberId,
  items,
  onChanged,
}: {
  memberId: string;
  items: LinkedItem[];
  onChanged: () => Promise<void>;
}) {
  const link = useAction(async (popup: Window | null) => {
    if (!popup) throw new Error('The link window was blocked. Allow pop-ups for this site and try again.');
    try {
      rememberPendingLink(memberId);
      const token = await api.createLinkToken(memberId);
      popup.location.href = token.link_url;
      const publicToken = await waitForPublicToken(popup, token.link_url);
      await api.addLinkedItem(memberId, publicToken);
    } catch (error) {
      if (!popup.closed) popup.close();
      throw error;
    }
    await onChanged();
    return 'Account linked. Balances appear here as soon as the first sync finishes.';
  });
  const refresh = useAction(async () => {
    await api.refreshAccounts(memberId);
    await onChanged();
    return 'Balance refresh requested.';
  });
  const needsRelink = items.some((item) => item.status === 'needs_relink');

  return (
    <section className="card span-2" aria-labelledby="accounts-title">
      <div className="section-head">
        <h2 id="accounts-title">Accounts</h2>
        <div className="button-row">
          <button type="button" onClick={() => void link.run(openLinkWindow())} disabled={link.busy}>
            {link.busy ? 'Linking… (finish in the pop-up)' : 'Link an account'}
          </button>
          <button
            type="button"
            className="button-secondary"
            onClick={() => void refresh.run()}
            disabled={refresh.busy || items.length === 0}
          >
            {refresh.busy ? 'Requesting…' : 'Refresh balances'}
          </button>
        </div>
      </div>
      {link.success && <SuccessAlert>{link.success}</SuccessAlert>}
      {link.error != null && <ErrorAlert error={link.error} />}
      {refresh.success && <SuccessAlert>{refresh.success}</SuccessAlert>}
      {refresh.error != null && <ErrorAlert error={refresh.error} />}
      {needsRelink && (
        <WarningAlert>
          A bank connection needs the member to sign in again. Use “Link an account” with the member to re-link it.
        </WarningAlert>
      )}
      <BalanceChart items={items} />
      {items.length === 0 ? (
        <p className="empty">No linked accounts yet.</p>
      ) : (
        items.map((item) => (
          <div key={item.id} className="linked-item">
            <div className="linked-item-head">
              <h3>{item.institution_name ?? 'Institution'}</h3>
              <Badge value={item.status} />
              {item.sync_status !== 'idle' && <Badge value={item.sync_status} label={item.sync_status === 'syncing' ? 'Syncing…' : 'Sync failed'} />}
              <span className="muted small">Last synced {item.last_synced_at ? formatDateTime(item.last_synced_at) : 'never'}</span>
            </div>
            {item.accounts.length === 0 ? (
              <p className="muted small">{item.sync_status === 'failed' ? 'No accounts: the sync failed.' : 'Accounts appear after the first sync.'}</p>
            ) : (
              <div className="table-wrap">
                <table className="accounts-table">
                  <caption className="visually-hidden">Accounts at {item.institution_name ?? 'this institution'}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Account</th>
                      <th scope="col">Type</th>
                      <th scope="col" className="num">
                        Current
                      </th>
                      <th scope="col" className="num">
                        Available
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {item.accounts.map((account) => (
                      <tr key={account.id}>
                        <th scope="row">
                          {account.name}
                          {account.mask ? <span className="muted"> ••{account.mask}</span> : null}
                        </th>
                        <td data-label="Type">{[account.type, account.subtype].filter(Boolean).map(humanize).join(' · ') || '—'}</td>
                        <td data-label="Current" className="num">
                          {formatMoney(account.current_balance, account.currency)}
                        </td>
                        <td data-label="Available" className="num">
                          {formatMoney(account.available_balance, account.currency)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
        ))
      )}
    </section>
  );
}
