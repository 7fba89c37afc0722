/**
 * Net income against annual costs, with the 25% and 75% thresholds that decide the score.
 *
 * recharts (SVG, React components, actively maintained, no canvas) draws it; the chart is
 * decorative for screen readers (`aria-hidden`), the same figures are in the text beside it
 * (`figcaption`), so nothing is only visual.
 */
import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import type { Wellness } from '../../api/types';
import { formatMoney, formatRatio } from '../../format/format';

export function WellnessChart({ wellness }: { wellness: Wellness }) {
  const net = Number(wellness.net_income);
  const costs = Number(wellness.annual_costs);
  const data = [
    { name: 'Net income', value: net },
    { name: 'Annual costs', value: costs },
  ];
  const description =
    `Annual costs of ${formatMoney(wellness.annual_costs)} are ${formatRatio(wellness.cost_ratio)} of net income of ` +
    `${formatMoney(wellness.net_income)}. Healthy up to 25% (${formatMoney((net * 0.25).toFixed(2))}), ` +
    `medium up to 75% (${formatMoney((net * 0.75).toFixed(2))}), low above.`;
  return (
    <figure className="chart" data-testid="wellness-chart">
      <div aria-hidden="true" className="chart-area">
        <ResponsiveContainer width="100%" height={180}>
          <BarChart data={data} layout="vertical" margin={{ left: 16, right: 24 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" horizontal={false} />
            <XAxis type="number" domain={[0, Math.max(net, costs) * 1.05]} tickFormatter={(v: number) => `${Math.round(v / 1000)}k`} />
            <YAxis type="category" dataKey="name" width={100} />
            <Bar dataKey="value" fill="#2f6f4e" isAnimationActive={false} />
            <ReferenceLine x={net * 0.25} stroke="#8a5a00" strokeDasharray="4 2" label={{ value: '25%', position: 'top' }} />
            <ReferenceLine x={net * 0.75} stroke="#a32020" strokeDasharray="4 2" label={{ value: '75%', position: 'top' }} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="small">{description}</figcaption>
    </figure>
  );
}
