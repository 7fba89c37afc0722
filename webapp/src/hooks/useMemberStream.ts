/**
 * The member page's live data: one EventSource on `/members/{id}/events`, no polling.
 *
 * The stream starts with the whole screen (`screen`), then sends each change (`change`)
 * as it commits; the page patches itself. When the connection drops the browser
 * reconnects by itself and sends `Last-Event-ID`, so the bff replays what was missed.
 * A refused stream (EventSource cannot tell why) is asked about once with a plain GET
 * of the screen, which answers 404 or 401 the usual way.
 */
import { useEffect, useState } from 'react';
import { API_PREFIX } from '../api/client';
import { api } from '../api/endpoints';
import type { MemberDetail } from '../api/types';
import { applyChange, type MemberChange, type StreamEnd } from '../pages/member/liveMember';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'ended';

export interface MemberStream {
  data: MemberDetail | null;
  error: unknown;
  state: LiveState;
  setData: (data: MemberDetail) => void;
}

const RETRY_AFTER_REFUSAL_MS = 3_000;

export function useMemberStream(memberId: string): MemberStream {
  const [state, setState] = useState<{ key: string; data: MemberDetail | null; error: unknown; live: LiveState }>({
    key: memberId,
    data: null,
    error: null,
    live: 'connecting',
  });

  useEffect(() => {
    let source: EventSource | null = null;
    let retry: number | undefined;
    let stopped = false;
    const update = (patch: Partial<typeof state>) =>
      setState((current) => ({ ...(current.key === memberId ? current : { key: memberId, data: null, error: null, live: 'connecting' as LiveState }), ...patch }));

    const open = () => {
      source = new EventSource(`${API_PREFIX}/members/${encodeURIComponent(memberId)}/events`, { withCredentials: true });
      source.addEventListener('screen', (event) => {
        update({ data: JSON.parse((event as MessageEvent<string>).data) as MemberDetail, error: null, live: 'live' });
      });
      source.addEventListener('change', (event) => {
        const change = JSON.parse((event as MessageEvent<string>).data) as MemberChange;
        setState((current) => (current.data ? { ...current, data: applyChange(current.data, change), live: 'live' } : current));
      });
      source.addEventListener('open', () => update({ live: 'live' }));
      source.addEventListener('end', (event) => {
        const end = JSON.parse((event as MessageEvent<string>).data) as StreamEnd;
        if (end.reason === 'shutdown' || end.reason === 'behind') return; // the browser reconnects
        source?.close();
        void refused();
      });
      source.addEventListener('error', () => {
        if (source?.readyState === EventSource.CLOSED) void refused();
        else update({ live: 'reconnecting' });
      });
    };

    // Why was the stream refused or ended? The screen's own answer says (404, 401, 503).
    const refused = async () => {
      source?.close();
      try {
        await api.getMember(memberId);
        if (stopped) return;
        update({ live: 'reconnecting' });
        retry = window.setTimeout(open, RETRY_AFTER_REFUSAL_MS);
      } catch (error) {
        if (!stopped) update({ error, live: 'ended' });
      }
    };

    open();
    return () => {
      stopped = true;
      window.clearTimeout(retry);
      source?.close();
    };
  }, [memberId]);

  const current = state.key === memberId ? state : { data: null, error: null, live: 'connecting' as LiveState };
  return {
    data: current.data,
    error: current.error,
    state: current.live,
    setData: (data) => setState((s) => ({ ...s, key: memberId, data })),
  };
}
