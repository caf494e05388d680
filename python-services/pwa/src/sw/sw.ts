export {};

// The service worker: the app shell offline, Web Push notifications, and notification taps.
//
// The shell (index.html and every hashed asset of this build) is cached at install under this
// build's version; navigation is answered from it, so the app opens instantly and offline. A
// new build changes this file (its version and file list), which the browser notices because
// sw.js is served uncached and registered with `updateViaCache: 'none'`. The API is never
// cached here: the page decides what stale data it may show, and says so.

declare const self: ServiceWorkerGlobalScope;
declare const __VERSION__: string;
declare const __PRECACHE__: string[];

const SHELL = `sb-shell-${__VERSION__}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      await cache.addAll(__PRECACHE__.map((path) => new Request(path, { cache: "reload" })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith("sb-shell-") && key !== SHELL) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    event.respondWith(shell(request));
    return;
  }
  event.respondWith(
    (async () => (await caches.match(request, { cacheName: SHELL })) ?? fetch(request))(),
  );
});

/** Every client route is the same page: answer it from the cache, or from the network. */
async function shell(request: Request): Promise<Response> {
  const cached = await caches.match("/index.html", { cacheName: SHELL });
  if (cached) return cached;
  return fetch(request);
}

/** What the hub's /api/notify sends: `{title, body, url, tag, audio_url, at}`. */
interface PushPayload {
  title?: string;
  body?: string;
  url?: string;
  tag?: string;
  audio_url?: string;
  at?: string;
}

/** The app path a notification opens: the payload's `url` (path form, `/sessions/<id>`), or
 * the same page given as an absolute URL on this origin; anything else opens the inbox. */
function appPath(url: unknown): string {
  if (typeof url !== "string" || !url) return "/";
  try {
    const parsed = new URL(url, self.location.origin);
    if (parsed.origin !== self.location.origin) return "/";
    return parsed.pathname + parsed.search;
  } catch {
    return "/";
  }
}

self.addEventListener("push", (event) => {
  // iOS revokes the subscription of an app whose push shows nothing: always show something.
  let payload: PushPayload = {};
  try {
    payload = (event.data?.json() as PushPayload) ?? {};
  } catch {
    payload = { body: event.data?.text() ?? "" };
  }
  const at = payload.at ? Date.parse(payload.at) : NaN;
  const options: NotificationOptions & { timestamp?: number } = {
    body: payload.body || "Quelque chose demande ton attention.",
    tag: payload.tag,
    icon: "/icons/icon-192.png",
    badge: "/icons/badge-96.png",
    data: { url: appPath(payload.url), audio_url: payload.audio_url ?? null },
  };
  if (!Number.isNaN(at)) options.timestamp = at;
  event.waitUntil(self.registration.showNotification(payload.title || "Solo Brain", options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data as { url?: string } | null)?.url ?? "/";
  event.waitUntil(openInApp(url));
});

/** Show `url` in the app: an open window routes itself (no reload), otherwise open one. */
async function openInApp(url: string): Promise<void> {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const client = windows.find((c) => new URL(c.url).origin === self.location.origin);
  if (client) {
    client.postMessage({ type: "open", url });
    try {
      await client.focus();
    } catch {
      /* focusing needs a user gesture some browsers do not see here; the route changed anyway */
    }
    return;
  }
  await self.clients.openWindow(url);
}
