// hooks: data loading for screens. useApi runs a GET (or any loader), keeps loading / error /
// "not built yet" apart, and can be re-run after an action.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, get } from './api';

export interface Loaded<T> {
  data: T | null;
  loading: boolean;
  error: ApiError | null;
  reload: () => Promise<void>;
  setData: (d: T | null) => void;
}

export function useApi<T = any>(path: string | null | (() => Promise<T>), deps: unknown[] = []): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);
  const alive = useRef(true);
  const seq = useRef(0);
  const load = useCallback(async () => {
    if (path === null) return;
    const n = ++seq.current;
    setLoading(true);
    try {
      const d = typeof path === 'function' ? await path() : await get<T>(path);
      if (alive.current && n === seq.current) {
        setData(d);
        setError(null);
      }
    } catch (e) {
      if (alive.current && n === seq.current)
        setError(e instanceof ApiError ? e : new ApiError(0, 'client', String((e as Error)?.message || e)));
    } finally {
      if (alive.current && n === seq.current) setLoading(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [typeof path === 'function' ? 'fn' : path, ...deps]);
  useEffect(() => {
    alive.current = true;
    load();
    return () => {
      alive.current = false;
    };
  }, [load]);
  return { data, loading, error, reload: load, setData };
}

/** Seconds left until an ISO time (or a number of seconds counted from mount), ticking. */
export function useCountdown(target: string | number | null | undefined): number {
  const end = useRef<number | null>(null);
  const [, tick] = useState(0);
  useEffect(() => {
    if (target === null || target === undefined) end.current = null;
    else end.current = typeof target === 'number' ? Date.now() + target * 1000 : Date.parse(target);
    const t = setInterval(() => tick((x) => x + 1), 1000);
    return () => clearInterval(t);
  }, [target]);
  if (end.current === null || Number.isNaN(end.current)) return 0;
  return Math.max(0, Math.round((end.current - Date.now()) / 1000));
}

/** Runs an async action once at a time, exposing busy. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    try {
      return await fn();
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, run };
}
