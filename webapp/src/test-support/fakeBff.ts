/** A fake of the bff's wire for component tests: routes by "METHOD /path", records calls. */
import { vi } from 'vitest';

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
}

type Handler = (call: Call) => Response | Promise<Response>;

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

export function problem(status: number, title: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify({ type: 'about:blank', title, status, ...extra }), {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  });
}

export function fakeBff(routes: Record<string, Handler>) {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://console.test');
    const headers = Object.fromEntries(Object.entries((init.headers as Record<string, string>) ?? {}));
    const call: Call = {
      method: (init.method ?? 'GET').toUpperCase(),
      path: url.pathname.replace(/^\/api\/v1/, ''),
      query: url.searchParams,
      headers,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    const exact = routes[`${call.method} ${call.path}`];
    const pattern = Object.entries(routes).find(([key]) => {
      const [method, path] = key.split(' ');
      return method === call.method && path?.includes(':') && new RegExp(`^${path.replace(/:[^/]+/g, '[^/]+')}$`).test(call.path);
    })?.[1];
    const handler = exact ?? pattern;
    if (!handler) return problem(404, 'Not Found');
    return handler(call);
  });
  vi.stubGlobal('fetch', fetchMock);
  return { calls, fetchMock };
}

export const ALICE = {
  id: 'u-alice',
  email: 'alice@origin.example',
  full_name: 'Alice Advisor',
  role: 'advisor' as const,
  mfa_enabled: false,
};
export const SESSION = { user: ALICE, csrf_token: 'csrf-123', requires: [] as ('password_change' | 'mfa_enrollment')[] };
