// The device's token: kept in localStorage (the installed app's own storage on iOS), never in
// a cookie, sent as `Authorization: Bearer` by the API module only.

export interface Device {
  token: string;
  id: string | null;
  name: string;
}

const KEY = "sb.device";
const REASON = "sb.signedOutReason";
type Listener = (device: Device | null) => void;
const listeners = new Set<Listener>();

export function currentDevice(): Device | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Device;
    return typeof parsed.token === "string" && parsed.token ? parsed : null;
  } catch {
    return null;
  }
}

export function rememberDevice(device: Device): void {
  localStorage.setItem(KEY, JSON.stringify(device));
  localStorage.removeItem(REASON);
  listeners.forEach((fn) => fn(device));
}

/** Forget the token (revoked, or signed out); `reason` is shown on the pairing screen. */
export function forgetDevice(reason?: string): void {
  if (!currentDevice()) return;
  localStorage.removeItem(KEY);
  if (reason) localStorage.setItem(REASON, reason);
  listeners.forEach((fn) => fn(null));
}

export function signedOutReason(): string | null {
  return localStorage.getItem(REASON);
}

export function onDeviceChange(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** A name for this device, guessed from the browser ("iPhone", "Mac", ...). */
export function guessDeviceName(): string {
  const ua = navigator.userAgent;
  if (/iPhone/.test(ua)) return "iPhone";
  if (/iPad/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1)) return "iPad";
  if (/Android/.test(ua)) return "Android";
  if (/Macintosh/.test(ua)) return "Mac";
  if (/Windows/.test(ua)) return "PC Windows";
  if (/Linux/.test(ua)) return "PC Linux";
  return "Navigateur";
}
