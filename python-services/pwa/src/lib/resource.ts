// Data that a screen shows, with what it needs to never show stale state silently: the last
// good answer is kept (in memory and localStorage) and shown with its age when the hub cannot
// be reached.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api";

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  /** When `data` was fetched, if it comes from an earlier visit (shown as stale). */
  staleSince: number | null;
  reload: () => Promise<void>;
  set: (data: T) => void;
}

const RETRY_MS = 5000;
const memory = new Map<string, { at: number; data: unknown }>();

function remembered<T>(key: string): { at: number; data: T } | undefined {
  const hit = memory.get(key);
  if (hit) return hit as { at: number; data: T };
  try {
    const raw = localStorage.getItem(`sb.cache.${key}`);
    return raw ? (JSON.parse(raw) as { at: number; data: T }) : undefined;
  } catch {
    return undefined;
  }
}

function remember(key: string, data: unknown): void {
  const entry = { at: Date.now(), data };
  memory.set(key, entry);
  try {
    localStorage.setItem(`sb.cache.${key}`, JSON.stringify(entry));
  } catch {
    /* full: the memory copy is enough */
  }
}

export function clearRemembered(): void {
  memory.clear();
  for (const k of Object.keys(localStorage)) if (k.startsWith("sb.cache.")) localStorage.removeItem(k);
}

export function useResource<T>(key: string | null, load: () => Promise<T>, persist = true): Resource<T> {
  const cached = key && persist ? remembered<T>(key) : undefined;
  const [data, setData] = useState<T | undefined>(cached?.data);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [staleSince, setStaleSince] = useState<number | null>(cached ? cached.at : null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const current = useRef(key);
  current.current = key;

  const reload = useCallback(async () => {
    if (key === null) return;
    setLoading(true);
    try {
      const fresh = await loadRef.current();
      if (current.current !== key) return;
      setData(fresh);
      setError(null);
      setStaleSince(null);
      if (persist) remember(key, fresh);
    } catch (err) {
      if (current.current !== key) return;
      setError(err instanceof ApiError ? err : new ApiError(0, "network", String(err)));
    } finally {
      if (current.current === key) setLoading(false);
    }
  }, [key, persist]);

  useEffect(() => {
    const hit = key && persist ? remembered<T>(key) : undefined;
    setData(hit?.data);
    setStaleSince(hit ? hit.at : null);
    setError(null);
    void reload();
    const onVisible = () => document.visibilityState === "visible" && void reload();
    document.addEventListener("visibilitychange", onVisible);
    addEventListener("online", onVisible);
    return () => {
      document.removeEventListener("visibilitychange", onVisible);
      removeEventListener("online", onVisible);
    };
  }, [key, reload, persist]);

  // No answer (hub restarting, network back): try again by itself, so that a screen left open
  // does not say "unreachable" long after the hub came back.
  useEffect(() => {
    if (!error?.network) return;
    const t = setTimeout(() => document.visibilityState === "visible" && void reload(), RETRY_MS);
    return () => clearTimeout(t);
  }, [error, reload]);

  const set = useCallback((value: T) => {
    setData(value);
    if (key && persist) remember(key, value);
  }, [key, persist]);

  return { data, error, loading, staleSince, reload, set };
}
