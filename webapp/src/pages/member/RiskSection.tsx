import { api } from '../../api/endpoints';
import type { RiskLine, StoredRiskProfile } from '../../api/types';
import { Badge, ErrorAlert, SuccessAlert } from '../../components/feedback';
import { formatDateTime, humanize } from '../../format/format';
import { useAction } from '../../hooks/useResource';

const LINE_ORDER = ['auto', 'disability', 'home', 'renters', 'life', 'umbrella'];

function lineTitle(line: RiskLine): string {
  const name = humanize(line.line);
  if (line.item_id === null) return name;
  const thing = line.line === 'auto' ? 'vehicle' : 'house';
  return `${name} (${thing} ${line.item_id})`;
}

function signed(points: number): string {
  return points > 0 ? `+${points}` : points < 0 ? `−${Math.abs(points)}` : '0';
}

/** The stored risk profile: a plan per line, and the rules that moved each score. */
export function RiskSection({
  memberId,
  riskProfile,
  hasProfile,
  onChanged,
}: {
  memberId: string;
  riskProfile: StoredRiskProfile | null;
  hasProfile: boolean;
  onChanged: () => Promise<void>;
}) {
  const compute = useAction(async () => {
    await api.computeRiskProfile(memberId);
    await onChanged();
    return 'Risk profile recomputed.';
  });
  const lines = [...(riskProfile?.lines ?? [])].sort(
    (a, b) => LINE_ORDER.indexOf(a.line) - LINE_ORDER.indexOf(b.line) || (a.item_id ?? 0) - (b.item_id ?? 0),
  );
  return (
    <section className="card span-2" aria-labelledby="risk-title">
      <div className="section-head">
        <h2 id="risk-title">Insurance risk profile</h2>
        <button type="button" className="button-secondary" onClick={() => void compute.run()} disabled={compute.busy || !hasProfile}>
          {compute.busy ? 'Computing…' : riskProfile ? 'Recompute' : 'Compute risk profile'}
        </button>
      </div>
      {!hasProfile && <p className="hint">A risk profile needs the member's financial profile first.</p>}
      {compute.success && <SuccessAlert>{compute.success}</SuccessAlert>}
      {compute.error != null && <ErrorAlert error={compute.error} />}
      {riskProfile ? (
        <>
          <p className="muted small">Computed {formatDateTime(riskProfile.computed_at)}</p>
          <ul className="risk-lines">
            {lines.map((line) => (
              <li key={`${line.line}-${line.item_id ?? 'all'}`} className="risk-line">
                <div className="risk-line-head">
                  <h3>{lineTitle(line)}</h3>
                  <Badge value={line.plan} />
                  <span className="muted small">score {signed(line.score)}</span>
                </div>
                {line.reasons.length > 0 ? (
                  <ul className="reasons" aria-label={`What moved the ${lineTitle(line)} score`}>
                    {line.reasons.map((reason) => (
                      <li key={reason.rule}>
                        <span className={reason.points > 0 ? 'points up' : 'points down'}>{signed(reason.points)}</span>{' '}
                        {reason.description}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p className="muted small">No rule moved this score.</p>
                )}
                {line.ineligible_because.length > 0 && (
                  <p className="ineligible">
                    Ineligible because {line.ineligible_because.map((exclusion) => exclusion.description).join('; ')}
                  </p>
                )}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p className="empty">No risk profile computed yet.</p>
      )}
    </section>
  );
}
