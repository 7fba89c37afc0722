/**
 * Linking an account through the aggregator's hosted link page, in a popup.
 *
 * The page hands the public token back in one of two ways (see the provider simulator's
 * link page): it posts `{public_token, metadata}` to `window.opener`, or, when the link
 * token was made with a `redirect_uri`, it redirects to our `/link-complete` page, which
 * posts the token to this window. Only messages from the link page's own origin (or
 * ours) are believed.
 */

export const LINK_MESSAGE_SOURCE = 'origin-link-complete';
const PENDING_KEY = 'origin.pendingLinkMember';

export class LinkCancelled extends Error {
  constructor() {
    super('Linking was cancelled: the window was closed before an account was chosen.');
    this.name = 'LinkCancelled';
  }
}

/** Open the popup at once, inside the click, so the browser does not block it. */
export function openLinkWindow(): Window | null {
  return window.open('about:blank', 'origin-link', 'popup,width=520,height=720');
}

export function rememberPendingLink(memberId: string): void {
  try {
    sessionStorage.setItem(PENDING_KEY, memberId);
  } catch {
    // Private modes may refuse storage; the popup flow does not need it.
  }
}

export function takePendingLink(): string | null {
  try {
    const memberId = sessionStorage.getItem(PENDING_KEY);
    sessionStorage.removeItem(PENDING_KEY);
    return memberId;
  } catch {
    return null;
  }
}

export function publicTokenFrom(data: unknown): string | null {
  if (typeof data !== 'object' || data === null) return null;
  const token = (data as { public_token?: unknown }).public_token;
  return typeof token === 'string' && token.length > 0 ? token : null;
}

/** Resolve with the public token the link page sends back; reject if the popup is closed first. */
export function waitForPublicToken(popup: Window, linkUrl: string, signal?: AbortSignal): Promise<string> {
  const allowed = new Set([new URL(linkUrl, window.location.href).origin, window.location.origin]);
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      window.removeEventListener('message', onMessage);
      window.clearInterval(closedTimer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onMessage = (event: MessageEvent) => {
      if (!allowed.has(event.origin)) return;
      const token = publicTokenFrom(event.data);
      if (!token) return;
      cleanup();
      if (!popup.closed) popup.close();
      resolve(token);
    };
    const onAbort = () => {
      cleanup();
      reject(new LinkCancelled());
    };
    // A closed popup sends no event; check a few times a second.
    const closedTimer = window.setInterval(() => {
      if (popup.closed) {
        cleanup();
        reject(new LinkCancelled());
      }
    }, 500);
    window.addEventListener('message', onMessage);
    signal?.addEventListener('abort', onAbort);
  });
}
