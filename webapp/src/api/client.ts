/**
 * The one way the console talks to the bff.
 *
 * Every request sends the session cookie (same origin: Vite proxies /api), every unsafe
 * request carries the CSRF token in `X-CSRF-Token`, every error answer becomes an
 * `ApiError` with its problem details, and a 401 on a signed-in call tells the session to
 * send the advisor to sign-in (and back here afterwards).
 */
import { ApiError, NetworkError, parseProblem, parseRetryAfter } from './problem';

export const API_PREFIX = '/api/v1';
export const CSRF_HEADER = 'X-CSRF-Token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal;
  /** For sign-in and the session probe: a 401 there is an answer, not an expiry. */
  expectUnauthorized?: boolean;
}

let csrfToken: string | null = null;
let unauthorizedHandler: (() => void) | null = null;

/** Remember the token from the login answer or `GET /me`. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function getCsrfToken(): string | null {
  return csrfToken;
}

/** Called when the bff says the session is gone (the session provider registers it). */
export function onUnauthorized(handler: (() => void) | null): void {
  unauthorizedHandler = handler;
}

export function buildUrl(path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const search = params.toString();
  return `${API_PREFIX}${path}${search ? `?${search}` : ''}`;
}

/** Send one request; resolve with the parsed JSON body (undefined for 202/204 without one). */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const upper = method.toUpperCase();
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (!SAFE_METHODS.has(upper) && csrfToken) headers[CSRF_HEADER] = csrfToken;

  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), {
      method: upper,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new NetworkError(error);
  }

  if (!response.ok) {
    const problem = await parseProblem(response);
    if (response.status === 401 && !options.expectUnauthorized) unauthorizedHandler?.();
    throw new ApiError(problem, parseRetryAfter(response.headers.get('Retry-After')));
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}
