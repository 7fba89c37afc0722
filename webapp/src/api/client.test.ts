import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeBff, json, problem } from '../test-support/fakeBff';
import { CSRF_HEADER, onUnauthorized, request, setCsrfToken } from './client';
import { ApiError, describeError, NetworkError, parseRetryAfter } from './problem';

/** The ApiError a request fails with. */
async function failure(pending: Promise<unknown>): Promise<ApiError> {
  try {
    await pending;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('the request succeeded');
}

afterEach(() => {
  setCsrfToken(null);
  onUnauthorized(null);
  vi.unstubAllGlobals();
});

describe('request', () => {
  it('sends the CSRF token on every unsafe method and never on reads', async () => {
    const { calls } = fakeBff({
      'GET /members': () => json({ items: [], next_cursor: null }),
      'POST /members/m1/notes': () => json({}, 201),
      'PATCH /members/m1': () => json({}),
      'PUT /admin/members/m1/advisor': () => json({}),
      'POST /auth/logout': () => new Response(null, { status: 204 }),
    });
    setCsrfToken('token-1');
    await request('GET', '/members');
    await request('POST', '/members/m1/notes', { body: { body: 'hi' } });
    await request('PATCH', '/members/m1', { body: {} });
    await request('PUT', '/admin/members/m1/advisor', { body: { advisor_id: null } });
    await request('POST', '/auth/logout');
    expect(calls.map((call) => call.headers[CSRF_HEADER])).toEqual([undefined, 'token-1', 'token-1', 'token-1', 'token-1']);
  });

  it('leaves empty query values out of the URL', async () => {
    const { calls } = fakeBff({ 'GET /members': () => json({ items: [], next_cursor: null }) });
    await request('GET', '/members', { query: { q: 'ana', status: '', cursor: undefined, limit: 25 } });
    expect(calls[0]?.query.toString()).toBe('q=ana&limit=25');
  });

  it('turns a problem answer into an ApiError with its detail and field errors', async () => {
    fakeBff({
      'POST /members/m1/messages': () =>
        problem(422, 'Invalid request', {
          detail: 'The member has not opted in to SMS.',
          errors: [{ field: 'body', message: 'too long', type: 'string_too_long' }],
        }),
    });
    const error = await failure(request('POST', '/members/m1/messages', { body: { body: 'x' } }));
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(422);
    expect(describeError(error)).toBe('The member has not opted in to SMS.');
    expect(error.fieldErrors).toEqual([{ field: 'body', message: 'too long', type: 'string_too_long' }]);
  });

  it('gives a readable title when the error body is not a problem', async () => {
    fakeBff({ 'GET /members': () => new Response('<html>Bad gateway</html>', { status: 502 }) });
    const error = await failure(request('GET', '/members'));
    expect(describeError(error)).toBe('A service we depend on is unavailable');
  });

  it('reports throttling with the wait from Retry-After', async () => {
    fakeBff({ 'POST /members/m1/messages': () => problem(429, 'Too Many Requests', { detail: 'SMS limit reached' }, { 'Retry-After': '30' }) });
    const error = await failure(request('POST', '/members/m1/messages', { body: {} }));
    expect(error.retryAfter).toBe(30);
    expect(describeError(error)).toBe('SMS limit reached. Try again in 30 seconds.');
  });

  it('tells the session when a signed-in call answers 401', async () => {
    fakeBff({ 'GET /members/m1': () => problem(401, 'Unauthorized') });
    const expired = vi.fn();
    onUnauthorized(expired);
    await expect(request('GET', '/members/m1')).rejects.toBeInstanceOf(ApiError);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('does not treat a 401 from sign-in as an expired session', async () => {
    fakeBff({ 'POST /auth/login': () => problem(401, 'Unauthorized', { detail: 'Wrong email or password.' }) });
    const expired = vi.fn();
    onUnauthorized(expired);
    await expect(request('POST', '/auth/login', { body: {}, expectUnauthorized: true })).rejects.toBeInstanceOf(ApiError);
    expect(expired).not.toHaveBeenCalled();
  });

  it('says the server is unreachable when fetch itself fails', async () => {
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')));
    await expect(request('GET', '/me')).rejects.toBeInstanceOf(NetworkError);
  });

  it('resolves 204 answers with nothing', async () => {
    fakeBff({ 'POST /auth/logout': () => new Response(null, { status: 204 }) });
    await expect(request('POST', '/auth/logout')).resolves.toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120')).toBe(120);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(30);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });
});
