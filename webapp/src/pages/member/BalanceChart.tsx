/**
 * Balances per account (bars) and, where the sync history has several points, over time
 * (lines). The chart is hidden from screen readers; a table of the same figures follows it.
 */
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { LinkedItem } from '../../api/types';
import { formatDateTime, formatMoney } from '../../format/format';

const COLOURS = ['#1f5f8b', '#2f6f4e', '#8a5a00', '#6b3fa0', '#a32020'];

export function BalanceChart({ items }: { items: LinkedItem[] }) {
  const accounts = items.flatMap((item) => item.accounts.map((account) => ({ item, account })));
  const current = accounts
    .filter(({ account }) => account.current_balance != null)
    .map(({ item, account }) => ({ name: `${account.name}${account.mask ? ` ••${account.mask}` : ''}`, institution: item.institution_name, value: Number(account.current_balance) }));
  if (current.length === 0) return null;
  const withHistory = accounts.filter(({ account }) => (account.history ?? []).length > 1);
  const times = [...new Set(withHistory.flatMap(({ account }) => (account.history ?? []).map((point) => point.at)))].sort();
  const series = times.map((at) => {
    const row: Record<string, number | string> = { at: new Date(at).toLocaleDateString() };
    for (const { account } of withHistory) {
      const point = (account.history ?? []).find((p) => p.at === at);
      if (point?.current_balance != null) row[account.id] = Number(point.current_balance);
    }
    return row;
  });
  return (
    <figure className="chart" data-testid="balance-chart">
      <div aria-hidden="true" className="chart-area">
        <ResponsiveContainer width="100%" height={200}>
          <BarChart data={current} margin={{ left: 16, right: 16 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="name" />
            <YAxis tickFormatter={(v: number) => `${Math.round(v)}`} />
            <Bar dataKey="value" fill="#1f5f8b" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
        {series.length > 1 && (
          <ResponsiveContainer width="100%" height={200}>
            <LineChart data={series} margin={{ left: 16, right: 16 }} accessibilityLayer={false}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="at" />
              <YAxis />
              <Tooltip />
              <Legend />
              {withHistory.map(({ account }, index) => (
                <Line key={account.id} dataKey={account.id} name={account.name} stroke={COLOURS[index % COLOURS.length]} dot={false} connectNulls isAnimationActive={false} />
              ))}
            </LineChart>
          </ResponsiveContainer>
        )}
      </div>
      <figcaption className="small">
        Current balances:{' '}
        {accounts
          .map(({ account }) => `${account.name} ${formatMoney(account.current_balance, account.currency)}`)
          .join('; ')}
        .
        {withHistory.length > 0 &&
          ` Over time: ${withHistory
            .map(({ account }) => {
              const history = account.history ?? [];
              const first = history[0];
              const last = history[history.length - 1];
              return `${account.name} from ${formatMoney(first?.current_balance ?? null, account.currency)} (${first ? formatDateTime(first.at) : ''}) to ${formatMoney(last?.current_balance ?? null, account.currency)} (${last ? formatDateTime(last.at) : ''})`;
            })
            .join('; ')}.`}
      </figcaption>
    </figure>
  );
}
