// Tiny app-wide signals: toasts, connectivity and the outbox size, without a state library.
import { useEffect, useState } from "preact/hooks";

export class Signal<T> {
  private listeners = new Set<(v: T) => void>();
  constructor(private current: T) {}
  get value(): T {
    return this.current;
  }
  set(value: T): void {
    this.current = value;
    this.listeners.forEach((fn) => fn(value));
  }
  subscribe(fn: (v: T) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

export function useSignal<T>(signal: Signal<T>): T {
  const [value, setValue] = useState(signal.value);
  useEffect(() => {
    setValue(signal.value);
    return signal.subscribe(setValue);
  }, [signal]);
  return value;
}

export interface Toast {
  id: number;
  text: string;
  tone: "info" | "success" | "error";
  action?: { label: string; run: () => void };
}

export const toasts = new Signal<Toast[]>([]);
let toastSeq = 0;
const MAX_TOASTS = 2;

export function toast(text: string, tone: Toast["tone"] = "info", action?: Toast["action"]): void {
  const id = ++toastSeq;
  // Two at most: a third would cover a third of a phone's screen for seconds.
  toasts.set([...toasts.value.slice(-(MAX_TOASTS - 1)), { id, text, tone, action }]);
  setTimeout(() => dismissToast(id), action ? 10000 : 4500);
}

export function dismissToast(id: number): void {
  toasts.set(toasts.value.filter((t) => t.id !== id));
}

export const online = new Signal<boolean>(navigator.onLine);
addEventListener("online", () => online.set(true));
addEventListener("offline", () => online.set(false));
