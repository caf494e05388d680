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

interface PushPayload {
  title?: string;
  body?: string;
  url?: string;
  tag?: string;
}

self.addEventListener("push", (event) => {
  // iOS revokes the subscription of an app whose push shows nothing: always show something.
  let payload: PushPayload = {};
  try {
    payload = (event.data?.json() as PushPayload) ?? {};
  } catch {
    payload = { body: event.data?.text() ?? "" };
  }
  const url = typeof payload.url === "string" && payload.url.startsWith("/") ? payload.url : "/";
  event.waitUntil(
    self.registration.showNotification(payload.title || "Solo Brain", {
      body: payload.body || "Quelque chose demande ton attention.",
      tag: payload.tag,
      icon: "/icons/icon-192.png",
      badge: "/icons/badge-96.png",
      data: { url },
    }),
  );
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
