// The page's side of the service worker: register it so that updates are never stale, look
// for a new version whenever the app comes back to the foreground (installed apps are rarely
// closed), and follow notification taps.
import { toast } from "./bus";
import { navigate } from "./router";

const CHECK_EVERY_MS = 30_000;

export function startServiceWorker(): void {
  if (!("serviceWorker" in navigator)) return;
  const hadController = navigator.serviceWorker.controller !== null;
  let lastCheck = 0;
  void navigator.serviceWorker
    .register("/sw.js", { scope: "/", updateViaCache: "none" })
    .then((registration) => {
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState !== "visible") return;
        if (Date.now() - lastCheck < CHECK_EVERY_MS) return;
        lastCheck = Date.now();
        void registration.update().catch(() => undefined);
      });
    })
    .catch(() => undefined);

  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!hadController || reloading) return; // the first install is not an update
    if (document.visibilityState === "hidden") {
      reloading = true;
      location.reload();
      return;
    }
    toast("Une nouvelle version de l'app est prête.", "info", {
      label: "Recharger",
      run: () => location.reload(),
    });
  });

  navigator.serviceWorker.addEventListener("message", (event: MessageEvent) => {
    const data = event.data as { type?: string; url?: string } | null;
    if (data?.type === "open" && typeof data.url === "string" && data.url.startsWith("/")) {
      navigate(data.url);
    }
  });
}

/** Ask the browser to keep our storage (the outbox) when space runs low. */
export async function persistStorage(): Promise<boolean> {
  try {
    if (await navigator.storage?.persisted?.()) return true;
    return (await navigator.storage?.persist?.()) ?? false;
  } catch {
    return false;
  }
}
