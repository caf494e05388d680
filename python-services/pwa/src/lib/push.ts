// Web Push: asked from a tap (iOS requires a user gesture, and only the installed app may ask),
// sent again to the hub on every open (subscriptions get lost silently), and always answered by
// a notification in the service worker.

import { ApiError, deletePushSubscription, pushKey, savePushSubscription } from "./api";

const PREF = "sb.push";
export const PUSH_UNAVAILABLE =
  "Le service de notifications de ce navigateur ne répond pas : réessaie plus tard (sur iPhone, depuis l'app installée).";

export function pushSupported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

/** iOS gives Web Push only to the app installed on the Home Screen. */
export function needsInstallForPush(): boolean {
  const ios = /iPhone|iPad|iPod/.test(navigator.userAgent);
  const standalone =
    matchMedia("(display-mode: standalone)").matches ||
    (navigator as Navigator & { standalone?: boolean }).standalone === true;
  return ios && !standalone;
}

export function pushWanted(): boolean {
  return localStorage.getItem(PREF) === "on";
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const pad = "=".repeat((4 - (base64url.length % 4)) % 4);
  const raw = atob((base64url + pad).replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

async function subscribe(): Promise<void> {
  const registration = await navigator.serviceWorker.ready;
  const { public_key } = await pushKey();
  let sub = await registration.pushManager.getSubscription();
  if (sub) {
    // A subscription made for another key (the hub's keys were reset) cannot be used.
    const current = sub.options.applicationServerKey;
    const key = keyBytes(public_key);
    const same =
      current !== null &&
      current.byteLength === key.byteLength &&
      new Uint8Array(current).every((b, i) => b === key[i]);
    if (!same) {
      await sub.unsubscribe();
      sub = null;
    }
  }
  try {
    sub ??= await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(public_key),
    });
  } catch {
    // The browser's own words ("Registration failed - push service not available") are English
    // and say nothing the user can act on.
    throw new ApiError(0, "push_unavailable", PUSH_UNAVAILABLE);
  }
  await savePushSubscription(sub.toJSON());
}

/** Turn notifications on: must run inside a tap handler. */
export async function enablePush(): Promise<void> {
  if (!pushSupported()) throw new ApiError(0, "unsupported", "Ce navigateur ne reçoit pas de notifications.");
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    throw new ApiError(0, "denied", "Les notifications sont refusées dans les réglages du téléphone.");
  }
  await subscribe();
  // Only once it worked: a failed subscription must not be retried silently on every open.
  localStorage.setItem(PREF, "on");
}

export async function disablePush(): Promise<void> {
  localStorage.setItem(PREF, "off");
  const registration = await navigator.serviceWorker.ready;
  const sub = await registration.pushManager.getSubscription();
  if (sub) {
    await deletePushSubscription(sub.endpoint).catch(() => undefined);
    await sub.unsubscribe();
  }
}

/** On every open: send the subscription again (or make a new one) when notifications are on. */
export async function resubscribe(): Promise<void> {
  if (!pushSupported() || !pushWanted() || Notification.permission !== "granted") return;
  await subscribe();
}
