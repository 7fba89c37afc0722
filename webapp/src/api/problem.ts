import type { FieldError, Problem } from './types';

/** An error answer from the bff, carrying its problem details for the screen to show. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  /** Seconds to wait, from `Retry-After`, on 429 and 503 answers. */
  readonly retryAfter: number | null;

  constructor(problem: Problem, retryAfter: number | null = null) {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  get fieldErrors(): FieldError[] {
    return this.problem.errors ?? [];
  }
}

/** Raised when the bff cannot be reached at all (network down, proxy without a bff). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('The server could not be reached. Check your connection and try again.');
    this.name = 'NetworkError';
    this.cause = cause;
  }
}

const STATUS_TITLES: Record<number, string> = {
  400: 'The request was not understood',
  401: 'Please sign in',
  403: 'You are not allowed to do that',
  404: 'Not found',
  409: 'That conflicts with the current state',
  422: 'Some fields need attention',
  429: 'Too many requests',
  500: 'Something went wrong on our side',
  502: 'A service we depend on is unavailable',
  503: 'The service is temporarily unavailable',
  504: 'A service we depend on timed out',
};

function isFieldError(value: unknown): value is FieldError {
  return typeof value === 'object' && value !== null && typeof (value as FieldError).message === 'string';
}

/** Read a problem+json body; fall back to a generic problem for any other body. */
export async function parseProblem(response: Response): Promise<Problem> {
  const fallback: Problem = {
    type: 'about:blank',
    title: STATUS_TITLES[response.status] ?? `Request failed (${response.status})`,
    status: response.status,
  };
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return fallback;
  }
  if (typeof body !== 'object' || body === null) return fallback;
  const raw = body as Record<string, unknown>;
  const errors = Array.isArray(raw.errors)
    ? raw.errors.filter(isFieldError).map((error) => ({
        field: typeof error.field === 'string' ? error.field : '',
        message: error.message,
        type: typeof error.type === 'string' ? error.type : '',
      }))
    : undefined;
  return {
    type: typeof raw.type === 'string' ? raw.type : fallback.type,
    title: typeof raw.title === 'string' && raw.title ? raw.title : fallback.title,
    status: typeof raw.status === 'number' ? raw.status : response.status,
    detail: typeof raw.detail === 'string' ? raw.detail : undefined,
    errors,
  };
}

/** `Retry-After` as seconds (it may also be an HTTP date). */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/** A sentence for any error, for an alert next to the action that failed. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const { problem } = error;
    if (problem.status === 429) {
      const wait = error.retryAfter;
      const when = wait ? ` Try again in ${wait} second${wait === 1 ? '' : 's'}.` : ' Try again shortly.';
      return `${problem.detail || problem.title}.${when}`.replace('..', '.');
    }
    return problem.detail || problem.title;
  }
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
