/** How every screen reports progress, success and failure, the same way everywhere. */
import type { ReactNode } from 'react';
import { ApiError, describeError } from '../api/problem';
import { humanize } from '../format/format';

/** A failure next to the action that caused it, with the bff's field errors listed. */
export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const fieldErrors = error instanceof ApiError ? error.fieldErrors : [];
  return (
    <div className="alert alert-error" role="alert">
      <p>{describeError(error)}</p>
      {fieldErrors.length > 0 && (
        <ul>
          {fieldErrors.map((fieldError, index) => (
            <li key={`${fieldError.field}-${index}`}>
              {fieldError.field ? <strong>{humanize(lastSegment(fieldError.field))}: </strong> : null}
              {fieldError.message}
            </li>
          ))}
        </ul>
      )}
      {onRetry && (
        <button type="button" className="button-secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

function lastSegment(field: string): string {
  const parts = field.split('.').filter((part) => !/^\d+$/.test(part));
  return parts[parts.length - 1] ?? field;
}

export function SuccessAlert({ children }: { children: ReactNode }) {
  return (
    <div className="alert alert-success" role="status">
      {children}
    </div>
  );
}

export function WarningAlert({ children, id }: { children: ReactNode; id?: string }) {
  return (
    <div className="alert alert-warning" id={id}>
      {children}
    </div>
  );
}

export function Loading({ label }: { label: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

const TONES: Record<string, 'good' | 'bad' | 'warn' | 'neutral' | 'busy'> = {
  delivered: 'good',
  sent: 'busy',
  sending: 'busy',
  requested: 'busy',
  undelivered: 'bad',
  failed: 'bad',
  active: 'good',
  needs_relink: 'warn',
  disconnected: 'bad',
  idle: 'neutral',
  syncing: 'busy',
  booked: 'good',
  cancelled: 'neutral',
  terminated: 'bad',
  healthy: 'good',
  medium: 'warn',
  low: 'bad',
  economic: 'good',
  regular: 'warn',
  responsible: 'bad',
  ineligible: 'neutral',
};

const LABELS: Record<string, string> = { needs_relink: 'Needs re-link', dtc: 'Direct' };

/** A status as a word with a colour; the word alone carries the meaning. */
export function Badge({ value, label }: { value: string; label?: string }) {
  const tone = TONES[value.toLowerCase()] ?? 'neutral';
  return <span className={`badge badge-${tone}`}>{label ?? LABELS[value] ?? humanize(value)}</span>;
}
