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

/**
 * The browser's EventSource for the member page's live stream. It opens with the screen
 * the routes give for `GET <path without /events>` (not recorded as a call) or, when that
 * answers an error, closes as a refused stream does; `emit` plays a server event.
 */
export class FakeEventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static instances: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;

  constructor(
    readonly url: string,
    resolve: (path: string) => Promise<Response>,
  ) {
    super();
    FakeEventSource.instances.push(this);
    const path = new URL(url, 'http://console.test').pathname.replace(/^\/api\/v1/, '').replace(/\/events$/, '');
    void resolve(path).then(async (response) => {
      if (this.readyState === FakeEventSource.CLOSED) return;
      if (!response.ok) {
        this.readyState = FakeEventSource.CLOSED;
        this.dispatchEvent(new Event('error'));
        return;
      }
      this.readyState = FakeEventSource.OPEN;
      this.dispatchEvent(new Event('open'));
      this.emit('screen', await response.json());
    });
  }

  emit(event: string, data: unknown): void {
    this.dispatchEvent(new MessageEvent(event, { data: JSON.stringify(data) }));
  }

  close(): void {
    this.readyState = FakeEventSource.CLOSED;
  }

  static latest(): FakeEventSource {
    const source = FakeEventSource.instances.at(-1);
    if (!source) throw new Error('no EventSource was opened');
    return source;
  }
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
  const findHandler = (method: string, path: string) =>
    routes[`${method} ${path}`] ??
    Object.entries(routes).find(([key]) => {
      const [m, p] = key.split(' ');
      return m === method && p?.includes(':') && new RegExp(`^${p.replace(/:[^/]+/g, '[^/]+')}$`).test(path);
    })?.[1];
  FakeEventSource.instances = [];
  vi.stubGlobal(
    'EventSource',
    class extends FakeEventSource {
      constructor(url: string) {
        super(url, async (path) => {
          const handler = findHandler('GET', path);
          return handler ? handler({ method: 'GET', path, query: new URLSearchParams(), headers: {}, body: undefined }) : problem(404, 'Not Found');
        });
      }
    },
  );
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
