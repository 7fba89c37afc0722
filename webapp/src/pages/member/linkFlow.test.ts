import { afterEach, describe, expect, it, vi } from 'vitest';
import { LinkCancelled, waitForPublicToken } from './linkFlow';

function fakePopup() {
  return { closed: false, close: vi.fn(function (this: { closed: boolean }) { this.closed = true; }) } as unknown as Window;
}

afterEach(() => vi.useRealTimers());

describe('waitForPublicToken', () => {
  it('takes the token the link page posts and closes the popup', async () => {
    const popup = fakePopup();
    const token = waitForPublicToken(popup, 'http://127.0.0.1:8090/link?token=abc');
    window.dispatchEvent(new MessageEvent('message', { origin: 'http://127.0.0.1:8090', data: { public_token: 'public-sandbox-1' } }));
    await expect(token).resolves.toBe('public-sandbox-1');
    expect(popup.close).toHaveBeenCalled();
  });

  it('ignores messages from any other origin', async () => {
    const popup = fakePopup();
    const token = waitForPublicToken(popup, 'http://127.0.0.1:8090/link?token=abc');
    window.dispatchEvent(new MessageEvent('message', { origin: 'https://evil.example', data: { public_token: 'forged' } }));
    window.dispatchEvent(new MessageEvent('message', { origin: 'http://127.0.0.1:8090', data: { public_token: 'real' } }));
    await expect(token).resolves.toBe('real');
  });

  it('gives up when the advisor closes the popup', async () => {
    vi.useFakeTimers();
    const popup = fakePopup();
    const token = waitForPublicToken(popup, 'http://127.0.0.1:8090/link');
    (popup as unknown as { closed: boolean }).closed = true;
    vi.advanceTimersByTime(600);
    await expect(token).rejects.toBeInstanceOf(LinkCancelled);
  });
});
