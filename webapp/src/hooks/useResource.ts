/**
 * Load what a screen shows, keep it while refreshing, and optionally poll it.
 *
 * Polling runs only while the page is visible (a hidden tab costs the bff nothing) and
 * refreshes at once when the tab comes back. A failed background refresh keeps the last
 * good data on screen and reports the error next to it.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

export interface Resource<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
}

export function useResource<T>(
  key: string,
  load: (signal: AbortSignal) => Promise<T>,
  options: { pollMs?: number } = {},
): Resource<T> {
  const [state, setState] = useState<{ key: string; data: T | null; error: unknown; loading: boolean }>({
    key,
    data: null,
    error: null,
    loading: true,
  });
  const loadRef = useRef(load);
  const controllerRef = useRef<AbortController | null>(null);
  useEffect(() => {
    loadRef.current = load;
  });

  const run = useCallback(async () => {
    controllerRef.current?.abort();
    const controller = new AbortController();
    controllerRef.current = controller;
    setState((current) => (current.key === key ? { ...current, loading: true } : { key, data: null, error: null, loading: true }));
    try {
      const data = await loadRef.current(controller.signal);
      if (!controller.signal.aborted) setState({ key, data, error: null, loading: false });
    } catch (error) {
      if (controller.signal.aborted) return;
      setState((current) => ({ ...current, key, error, loading: false }));
    }
  }, [key]);

  useEffect(() => {
    void run();
    return () => controllerRef.current?.abort();
  }, [run]);

  const pollMs = options.pollMs;
  useEffect(() => {
    if (!pollMs) return undefined;
    const tick = () => {
      if (document.visibilityState === 'visible') void run();
    };
    const timer = window.setInterval(tick, pollMs);
    const onVisibility = () => {
      if (document.visibilityState === 'visible') void run();
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [pollMs, run]);

  const current = state.key === key ? state : { data: null, error: null, loading: true };
  return { data: current.data, error: current.error, loading: current.loading, reload: run };
}

/** Run one action (a button's work): track busy, the last error and a success message. */
export function useAction<A extends unknown[]>(action: (...args: A) => Promise<string | void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [success, setSuccess] = useState<string | null>(null);
  const actionRef = useRef(action);
  useEffect(() => {
    actionRef.current = action;
  });
  const run = useCallback(async (...args: A): Promise<boolean> => {
    setBusy(true);
    setError(null);
    setSuccess(null);
    try {
      const message = await actionRef.current(...args);
      setSuccess(message || null);
      return true;
    } catch (caught) {
      setError(caught);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const reset = useCallback(() => {
    setError(null);
    setSuccess(null);
  }, []);
  return { run, busy, error, success, reset };
}
