import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api/endpoints';
import type { Wellness } from '../../api/types';
import { Badge, ErrorAlert } from '../../components/feedback';
import { formatMoney, formatRatio, parseMoneyInput } from '../../format/format';
import { useAction } from '../../hooks/useResource';

/** What-if wellness score: nothing is stored. */
export function WellnessCalculator() {
  const [income, setIncome] = useState('');
  const [costs, setCosts] = useState('');
  const [touched, setTouched] = useState(false);
  const [result, setResult] = useState<Wellness | null>(null);
  const compute = useAction(async (annualIncome: string, monthlyCosts: string) => {
    setResult(await api.wellnessScore({ annual_income: annualIncome, monthly_costs: monthlyCosts }));
  });
  useEffect(() => {
    document.title = 'Wellness calculator · Origin advisor console';
  }, []);

  const incomeValue = parseMoneyInput(income);
  const costsValue = parseMoneyInput(costs);
  const incomeError = touched && !incomeValue ? 'Enter the yearly gross income, e.g. 85000 or 85000.50.' : null;
  const costsError = touched && !costsValue ? 'Enter the monthly living costs, e.g. 2500.' : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (incomeValue && costsValue) void compute.run(incomeValue, costsValue);
  }

  return (
    <section aria-labelledby="wellness-calc-title">
      <h1 id="wellness-calc-title">Wellness score calculator</h1>
      <div className="tool-grid">
        <form className="card" onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor="annual-income">Annual gross income (USD)</label>
            <input
              id="annual-income"
              inputMode="decimal"
              autoComplete="off"
              value={income}
              aria-invalid={Boolean(incomeError)}
              aria-describedby={incomeError ? 'annual-income-error' : undefined}
              onChange={(event) => setIncome(event.target.value)}
            />
            {incomeError && (
              <p id="annual-income-error" className="hint hint-error">
                {incomeError}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor="monthly-costs">Monthly costs (USD)</label>
            <input
              id="monthly-costs"
              inputMode="decimal"
              autoComplete="off"
              value={costs}
              aria-invalid={Boolean(costsError)}
              aria-describedby={costsError ? 'monthly-costs-error' : undefined}
              onChange={(event) => setCosts(event.target.value)}
            />
            {costsError && (
              <p id="monthly-costs-error" className="hint hint-error">
                {costsError}
              </p>
            )}
          </div>
          {compute.error != null && <ErrorAlert error={compute.error} />}
          <button type="submit" disabled={compute.busy}>
            {compute.busy ? 'Calculating…' : 'Calculate score'}
          </button>
        </form>
        <div className="card" aria-live="polite">
          <h2>Result</h2>
          {result ? (
            <div data-testid="wellness-result">
              <p className="score">
                <Badge value={result.score} label={result.score} />
              </p>
              <dl className="facts">
                <div>
                  <dt>Net income (a year)</dt>
                  <dd>{formatMoney(result.net_income)}</dd>
                </div>
                <div>
                  <dt>Costs (a year)</dt>
                  <dd>{formatMoney(result.annual_costs)}</dd>
                </div>
                <div>
                  <dt>Costs / net income</dt>
                  <dd>{formatRatio(result.cost_ratio)}</dd>
                </div>
              </dl>
            </div>
          ) : (
            <p className="muted">Enter income and costs to see the score.</p>
          )}
        </div>
      </div>
    </section>
  );
}
