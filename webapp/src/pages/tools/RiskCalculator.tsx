import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api/endpoints';
import type { LinePlan, MaritalStatus, OwnershipStatus, RiskPlans, RiskProfileInput } from '../../api/types';
import { Badge, ErrorAlert } from '../../components/feedback';
import { humanize, parseMoneyInput } from '../../format/format';
import { useAction } from '../../hooks/useResource';

// Origin's questionnaire: three yes/no answers, each "yes" adds a point to every line.
const QUESTIONS = ['Question 1 answered yes', 'Question 2 answered yes', 'Question 3 answered yes'];

const LINES: (keyof RiskPlans)[] = ['auto', 'disability', 'home', 'renters', 'life', 'umbrella'];

function PlanValue({ plan }: { plan: LinePlan }) {
  if (typeof plan === 'string') return <Badge value={plan} />;
  return (
    <ul className="plain-list">
      {plan.map((item) => (
        <li key={item.id}>
          Item {item.id}: <Badge value={item.plan} />
        </li>
      ))}
    </ul>
  );
}

/** What-if insurance risk profile in Origin's request shape: nothing is stored. */
export function RiskCalculator() {
  const [age, setAge] = useState('35');
  const [dependents, setDependents] = useState('0');
  const [income, setIncome] = useState('');
  const [marital, setMarital] = useState<MaritalStatus>('single');
  const [answers, setAnswers] = useState<[boolean, boolean, boolean]>([false, false, false]);
  const [house, setHouse] = useState<OwnershipStatus | ''>('');
  const [vehicleYear, setVehicleYear] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const [result, setResult] = useState<RiskPlans | null>(null);
  const compute = useAction(async (input: RiskProfileInput) => {
    setResult(await api.riskProfile(input));
  });
  useEffect(() => {
    document.title = 'Risk calculator · Origin advisor console';
  }, []);

  function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    const ageValue = Number(age);
    const dependentsValue = Number(dependents);
    const incomeValue = parseMoneyInput(income || '0');
    if (!/^\d+$/.test(age) || ageValue > 150) return setFormError('Age must be a whole number of years.');
    if (!/^\d+$/.test(dependents) || dependentsValue > 150) return setFormError('Dependents must be a whole number.');
    if (!incomeValue) return setFormError('Income must be an amount in dollars, e.g. 85000.');
    if (vehicleYear && !/^\d{4}$/.test(vehicleYear)) return setFormError('The vehicle year has four digits, e.g. 2018.');
    const input: RiskProfileInput = {
      age: ageValue,
      dependents: dependentsValue,
      income: Number.isInteger(Number(incomeValue)) ? Number(incomeValue) : incomeValue,
      marital_status: marital,
      risk_questions: answers.map((answer) => (answer ? 1 : 0)) as [0 | 1, 0 | 1, 0 | 1],
      ...(house ? { house: { ownership_status: house } } : {}),
      ...(vehicleYear ? { vehicle: { year: Number(vehicleYear) } } : {}),
    };
    void compute.run(input);
  }

  return (
    <section aria-labelledby="risk-calc-title">
      <h1 id="risk-calc-title">Risk profile calculator</h1>
      <div className="tool-grid">
        <form className="card" onSubmit={submit} noValidate>
          <div className="field-row">
            <div className="field">
              <label htmlFor="risk-age">Age</label>
              <input id="risk-age" inputMode="numeric" value={age} onChange={(event) => setAge(event.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="risk-dependents">Dependents</label>
              <input
                id="risk-dependents"
                inputMode="numeric"
                value={dependents}
                onChange={(event) => setDependents(event.target.value)}
              />
            </div>
          </div>
          <div className="field">
            <label htmlFor="risk-income">Annual income (USD)</label>
            <input id="risk-income" inputMode="decimal" value={income} onChange={(event) => setIncome(event.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="risk-marital">Marital status</label>
            <select id="risk-marital" value={marital} onChange={(event) => setMarital(event.target.value as MaritalStatus)}>
              <option value="single">Single</option>
              <option value="married">Married</option>
              <option value="divorced">Divorced</option>
              <option value="domestic partnership">Domestic partnership</option>
            </select>
          </div>
          <fieldset>
            <legend>Risk questions</legend>
            <p className="hint">Tick each of the member's three risk answers that is “yes”.</p>
            {QUESTIONS.map((question, index) => (
              <div className="field checkbox" key={question}>
                <input
                  id={`risk-q${index}`}
                  type="checkbox"
                  checked={answers[index]}
                  onChange={(event) => {
                    const next = [...answers] as [boolean, boolean, boolean];
                    next[index] = event.target.checked;
                    setAnswers(next);
                  }}
                />
                <label htmlFor={`risk-q${index}`}>{question}</label>
              </div>
            ))}
          </fieldset>
          <div className="field-row">
            <div className="field">
              <label htmlFor="risk-house">House</label>
              <select id="risk-house" value={house} onChange={(event) => setHouse(event.target.value as OwnershipStatus | '')}>
                <option value="">No house</option>
                <option value="owned">Owned</option>
                <option value="mortgaged">Mortgaged</option>
                <option value="rented">Rented</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor="risk-vehicle">Vehicle year (empty if none)</label>
              <input
                id="risk-vehicle"
                inputMode="numeric"
                value={vehicleYear}
                onChange={(event) => setVehicleYear(event.target.value)}
              />
            </div>
          </div>
          {formError && (
            <p className="hint hint-error" role="alert">
              {formError}
            </p>
          )}
          {compute.error != null && <ErrorAlert error={compute.error} />}
          <button type="submit" disabled={compute.busy}>
            {compute.busy ? 'Calculating…' : 'Calculate risk profile'}
          </button>
        </form>
        <div className="card" aria-live="polite">
          <h2>Suggested plans</h2>
          {result ? (
            <table data-testid="risk-result">
              <caption className="visually-hidden">Plan per insurance line</caption>
              <tbody>
                {LINES.filter((line) => result[line] != null).map((line) => (
                  <tr key={line}>
                    <th scope="row">{humanize(line)}</th>
                    <td>
                      <PlanValue plan={result[line] as LinePlan} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">Fill in the member's answers to see the plans.</p>
          )}
        </div>
      </div>
    </section>
  );
}
