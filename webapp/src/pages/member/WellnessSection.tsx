import type { MemberProfile, Wellness } from '../../api/types';
import { Badge } from '../../components/feedback';
import { formatMoney, formatRatio } from '../../format/format';
import { WellnessChart } from './WellnessChart';

const BAND_TEXT = {
  HEALTHY: 'Living costs take at most a quarter of net income.',
  MEDIUM: 'Living costs take between a quarter and three quarters of net income.',
  LOW: 'Living costs take more than three quarters of net income.',
} as const;

export function WellnessSection({ wellness, profile }: { wellness: Wellness | null; profile: MemberProfile | null }) {
  return (
    <section className="card" aria-labelledby="wellness-title">
      <h2 id="wellness-title">Financial wellness</h2>
      {wellness ? (
        <>
          <p className="score">
            <Badge value={wellness.score} label={wellness.score} />
            <span>{BAND_TEXT[wellness.score] ?? ''}</span>
          </p>
          <dl className="facts">
            <div>
              <dt>Net income (a year)</dt>
              <dd>{formatMoney(wellness.net_income)}</dd>
            </div>
            <div>
              <dt>Costs (a year)</dt>
              <dd>{formatMoney(wellness.annual_costs)}</dd>
            </div>
            <div>
              <dt>Costs / net income</dt>
              <dd>{formatRatio(wellness.cost_ratio)}</dd>
            </div>
          </dl>
          <WellnessChart wellness={wellness} />
        </>
      ) : (
        <p className="empty">No score yet: the member has not given their income and monthly costs.</p>
      )}
      {profile && (
        <dl className="facts small">
          <div>
            <dt>Age</dt>
            <dd>{profile.age ?? '—'}</dd>
          </div>
          <div>
            <dt>Dependents</dt>
            <dd>{profile.dependents ?? '—'}</dd>
          </div>
          <div>
            <dt>Annual income</dt>
            <dd>{formatMoney(profile.annual_income)}</dd>
          </div>
          <div>
            <dt>Monthly costs</dt>
            <dd>{formatMoney(profile.monthly_costs)}</dd>
          </div>
          <div>
            <dt>Marital status</dt>
            <dd>{profile.marital_status ?? '—'}</dd>
          </div>
        </dl>
      )}
    </section>
  );
}
