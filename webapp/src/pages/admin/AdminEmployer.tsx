import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api, uploadToS3 } from '../../api/endpoints';
import { Badge, ErrorAlert, Loading } from '../../components/feedback';
import { formatDateTime, humanize } from '../../format/format';
import { useAction, useResource } from '../../hooks/useResource';

/** Admin: one employer's eligibility files, and uploading a new roster straight to S3. */
export function AdminEmployer() {
  const { employerId = '' } = useParams();
  const navigate = useNavigate();
  const employers = useResource('employers', (signal) => api.listEmployers(signal));
  const files = useResource(`files-${employerId}`, (signal) => api.listFiles(employerId, signal));
  const employer = employers.data?.items.find((item) => item.id === employerId);
  const [chosen, setChosen] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const upload = useAction(async (file: File) => {
    setProgress(0);
    const target = await api.uploadUrl(employerId);
    await uploadToS3(target, file, setProgress);
    const accepted = await api.submitFile(employerId, target.file);
    navigate(`/admin/employers/${employerId}/files/${accepted.id}`);
  });
  useEffect(() => {
    document.title = `${employer?.name ?? 'Employer'} · Origin advisor console`;
  }, [employer?.name]);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (chosen) void upload.run(chosen);
  }

  return (
    <section aria-labelledby="employer-title">
      <p>
        <Link to="/admin/employers">All employers</Link>
      </p>
      <h1 id="employer-title">{employer?.name ?? 'Employer'}</h1>
      <form className="card inline-form" onSubmit={submit} noValidate>
        <h2>Upload a roster</h2>
        <p className="hint" id="roster-hint">
          A CSV with the columns email and country (and optionally full name, birth_date, salary). It goes straight to the file store, then is
          processed in the background.
        </p>
        <div className="field">
          <label htmlFor="roster-file">Roster (CSV)</label>
          <input
            id="roster-file"
            type="file"
            accept=".csv,text/csv"
            aria-describedby="roster-hint"
            onChange={(event) => setChosen(event.target.files?.[0] ?? null)}
          />
        </div>
        {progress !== null && (
          <div className="field">
            <label htmlFor="upload-progress">Upload</label>
            <progress id="upload-progress" max={1} value={progress} aria-valuetext={`${Math.round(progress * 100)}% uploaded`}>
              {Math.round(progress * 100)}%
            </progress>
            <span className="muted small"> {Math.round(progress * 100)}% uploaded</span>
          </div>
        )}
        {upload.error != null && <ErrorAlert error={upload.error} />}
        <button type="submit" disabled={!chosen || upload.busy}>
          {upload.busy ? 'Uploading…' : 'Upload and process'}
        </button>
      </form>
      {files.loading && !files.data && <Loading label="Loading files…" />}
      {files.error != null && <ErrorAlert error={files.error} onRetry={() => void files.reload()} />}
      {files.data && files.data.items.length === 0 && <p className="empty card">No files yet.</p>}
      {files.data && files.data.items.length > 0 && (
        <div className="card table-wrap">
          <table>
            <caption className="visually-hidden">Eligibility files, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Submitted</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Rows
                </th>
                <th scope="col" className="num">
                  Rejected
                </th>
              </tr>
            </thead>
            <tbody>
              {files.data.items.map((file) => (
                <tr key={file.id}>
                  <th scope="row">
                    <Link to={`/admin/employers/${employerId}/files/${file.id}`}>{formatDateTime(file.created_at)}</Link>
                  </th>
                  <td>
                    <Badge value={file.status} label={humanize(file.status)} />
                  </td>
                  <td className="num">{file.rows_read}</td>
                  <td className="num">{file.rejected}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
