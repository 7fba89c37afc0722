import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { API_PREFIX } from '../../api/client';
import { api } from '../../api/endpoints';
import type { EligibilityFile } from '../../api/types';
import { Badge, ErrorAlert, Loading, SuccessAlert, WarningAlert } from '../../components/feedback';
import { formatDateTime, humanize } from '../../format/format';
import { useAction, useResource } from '../../hooks/useResource';

/** The file's state, pushed by the bff (`.../events`) as the worker makes progress. */
function useLiveFile(employerId: string, fileId: string) {
  const [file, setFile] = useState<EligibilityFile | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const source = new EventSource(
      `${API_PREFIX}/admin/employers/${encodeURIComponent(employerId)}/eligibility-files/${encodeURIComponent(fileId)}/events`,
      { withCredentials: true },
    );
    source.addEventListener('file', (event) => setFile(JSON.parse((event as MessageEvent<string>).data) as EligibilityFile));
    source.addEventListener('end', () => source.close()); // done or failed: nothing more will come
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) {
        api.getFile(employerId, fileId).then(setFile, setError);
      }
    });
    return () => source.close();
  }, [employerId, fileId]);
  return { file, error };
}

const STATUS_TEXT: Record<string, string> = {
  queued: 'Waiting for the worker',
  processing: 'Processing',
  needs_confirmation: 'Waiting for your confirmation',
  done: 'Done',
  failed: 'Failed',
};

/** Admin: one roster's live progress, its report, and the mass-termination hold. */
export function AdminEligibilityFile() {
  const { employerId = '', fileId = '' } = useParams();
  const { file, error } = useLiveFile(employerId, fileId);
  const employers = useResource('employers', (signal) => api.listEmployers(signal));
  const employerName = employers.data?.items.find((item) => item.id === employerId)?.name ?? 'this employer';
  const confirm = useAction(async () => {
    await api.confirmFile(employerId, fileId);
    return 'Confirmed: the terminations are being applied.';
  });
  useEffect(() => {
    document.title = 'Eligibility file · Origin advisor console';
  }, []);

  if (error != null) return <ErrorAlert error={error} />;
  if (!file) return <Loading label="Loading the file…" />;
  return (
    <section aria-labelledby="file-title">
      <p>
        <Link to={`/admin/employers/${employerId}`}>Back to {employerName}</Link>
      </p>
      <h1 id="file-title">Eligibility file</h1>
      <div className="card">
        <p className="score" role="status" aria-live="polite">
          <Badge value={file.status} label={humanize(file.status)} />
          <span>{STATUS_TEXT[file.status] ?? file.status}</span>
        </p>
        <dl className="facts" aria-label="Progress">
          <div>
            <dt>Rows read</dt>
            <dd data-testid="rows-read">{file.rows_read}</dd>
          </div>
          <div>
            <dt>Accepted</dt>
            <dd>{file.accepted}</dd>
          </div>
          <div>
            <dt>Rejected</dt>
            <dd>{file.rejected}</dd>
          </div>
          <div>
            <dt>Members updated</dt>
            <dd>{file.members_updated}</dd>
          </div>
          <div>
            <dt>Terminated</dt>
            <dd>{file.terminated}</dd>
          </div>
        </dl>
        <p className="muted small">
          Submitted {formatDateTime(file.created_at)}
          {file.started_at ? ` · started ${formatDateTime(file.started_at)}` : ''}
          {file.finished_at ? ` · finished ${formatDateTime(file.finished_at)}` : ''}
        </p>
        {file.error && <WarningAlert>{file.error}</WarningAlert>}
        {file.report_url && (
          <p>
            <a href={file.report_url} download>
              Download the report (every line, accepted or rejected with its reason)
            </a>
          </p>
        )}
      </div>
      {file.status === 'needs_confirmation' && file.terminations_pending != null && (
        <div className="card" role="region" aria-labelledby="hold-title">
          <h2 id="hold-title">Terminations on hold</h2>
          <WarningAlert>
            This file does not list {file.terminations_pending} of the {file.active_members ?? '?'} active members of {employerName}. That is more
            than the share allowed without a confirmation, so nobody has been terminated yet; updates from the file are applied.
          </WarningAlert>
          {confirm.error != null && <ErrorAlert error={confirm.error} />}
          {confirm.success ? (
            <SuccessAlert>{confirm.success}</SuccessAlert>
          ) : (
            <button type="button" className="button-danger" onClick={() => void confirm.run()} disabled={confirm.busy}>
              {confirm.busy ? 'Confirming…' : `Terminate ${file.terminations_pending} of ${file.active_members ?? '?'} members of ${employerName}`}
            </button>
          )}
        </div>
      )}
      {file.rejected_sample.length > 0 && (
        <div className="card table-wrap">
          <h2 id="rejected-title">First rejected lines</h2>
          <table aria-labelledby="rejected-title">
            <thead>
              <tr>
                <th scope="col" className="num">
                  Line
                </th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {file.rejected_sample.map((line) => (
                <tr key={line.line}>
                  <td className="num">{line.line}</td>
                  <td>{line.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
