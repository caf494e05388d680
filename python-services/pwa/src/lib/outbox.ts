// The outbox: mutations made offline (a capture, a re-classification, a project or client
// made, changed or deleted) kept in IndexedDB and
// replayed in order, exactly once, when the app opens, comes back online or becomes visible
// (iOS has no Background Sync).
//
// Exactly once, from both ends: each entry carries an idempotency key (the capture's own
// `capture_id`, or an `Idempotency-Key` header), so a request whose answer was lost files
// nothing twice; and the app never sends an entry twice itself: one replay at a time across
// tabs (Web Locks), and an entry leaves the outbox as soon as the hub accepted it.
// Approvals and prompts never come here: they need the live session.

import { ApiError, reclassify, request, sendCapture, type CaptureAnswer, type Reclassification } from "./api";
import { Signal, toast } from "./bus";

export type Entry =
  | {
      key: string;
      kind: "capture";
      created_at: string;
      payload: { text?: string; audio?: Blob; audio_name?: string; mode: "text" | "voice" };
      attempts: number;
      error?: string;
      waiting?: Waiting;
    }
  | {
      key: string;
      kind: "catalog";
      created_at: string;
      payload: CatalogChange;
      attempts: number;
      error?: string;
      waiting?: Waiting;
    }
  | {
      key: string;
      kind: "reclassify";
      created_at: string;
      payload: { capture_id: string; body: Reclassification };
      attempts: number;
      error?: string;
      waiting?: Waiting;
    };

/** A project or client made, changed or deleted: the very request, and what the user did. */
export interface CatalogChange {
  method: "POST" | "PATCH" | "DELETE";
  path: string;
  body?: unknown;
  query?: Record<string, boolean>;
  /** What the app lists while it waits, e.g. « Ajouter Banc NPU ». */
  label: string;
}

/** Why an entry still waits: the phone offline, the hub silent, or n8n behind it silent. */
export type Waiting = "network" | "hub" | "n8n";
/** How often what waits is tried again while the app is on screen and the phone online. */
const RETRY_MS = 15_000;

export function waitingFor(e: ApiError): Waiting {
  if (e.network) return navigator.onLine ? "hub" : "network";
  return e.code === "capture_unavailable" || e.code === "upstream_unavailable" ? "n8n" : "hub";
}

export const WAITING_LABELS: Record<Waiting, string> = {
  network: "partira dès le retour du réseau",
  hub: "le hub ne répond pas ; nouvel essai automatique",
  n8n: "n8n ne répond pas ; nouvel essai automatique",
};

const DB = "solo-brain";
const STORE = "outbox";
export const outboxEntries = new Signal<Entry[]>([]);
/** The hub's answer to the last capture sent from the outbox, by its key. */
export const captureAnswers = new Signal<{ key: string; answer: CaptureAnswer } | null>(null);

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => {
      // `seq` keeps the order the user made the changes in; `key` is the idempotency key.
      const store = req.result.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true });
      store.createIndex("key", "key", { unique: true });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req.result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  } finally {
    db.close();
  }
}

type Stored = Entry & { seq: number };

async function all(): Promise<Stored[]> {
  return (await tx("readonly", (s) => s.getAll())) as Stored[];
}

export async function refreshOutbox(): Promise<void> {
  outboxEntries.set(await all());
}

/** Keep a mutation for later; the same key twice is stored once. */
export async function enqueue(entry: Entry): Promise<void> {
  try {
    await tx("readwrite", (s) => s.add(entry));
  } catch (err) {
    if ((err as DOMException)?.name !== "ConstraintError") throw err;
  }
  await refreshOutbox();
}

export async function discard(key: string): Promise<void> {
  const found = (await all()).find((e) => e.key === key);
  if (found) await tx("readwrite", (s) => s.delete(found.seq));
  await refreshOutbox();
}

export function captureForm(entry: Extract<Entry, { kind: "capture" }>): FormData {
  const form = new FormData();
  form.set("capture_id", entry.key);
  form.set("channel", "pwa");
  form.set("mode", entry.payload.mode);
  if (entry.payload.text) form.set("text", entry.payload.text);
  if (entry.payload.audio) form.set("audio", entry.payload.audio, entry.payload.audio_name ?? "note");
  return form;
}

async function send(entry: Entry): Promise<void> {
  if (entry.kind === "capture") {
    captureAnswers.set({ key: entry.key, answer: await sendCapture(captureForm(entry)) });
  } else if (entry.kind === "catalog") {
    const { method, path, body, query } = entry.payload;
    await request(method, path, { body, query });
  } else {
    await reclassify(entry.payload.capture_id, entry.payload.body, entry.key);
  }
}

/** A catalog change sent before whose answer was lost: the hub already made it. A catalog
 *  request carries no idempotency key, so a second try of the same change finds it done. */
function alreadyDone(change: CatalogChange, e: ApiError): boolean {
  return (change.method === "POST" && e.status === 409) || (change.method !== "POST" && e.status === 404);
}

let running: Promise<number> | null = null;

/** Send what waits, oldest first; stop at the first entry the hub cannot take now. */
export function replay(): Promise<number> {
  running ??= withLock(replayOnce).finally(() => (running = null));
  return running;
}

async function withLock(fn: () => Promise<number>): Promise<number> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  return locks ? locks.request("solo-brain-outbox", fn) : fn();
}

async function replayOnce(): Promise<number> {
  let sent = 0;
  let waited = 0; // sent after waiting (offline, hub away): the user is told they left
  for (const entry of await all()) {
    if (entry.error) continue; // refused for good: kept for the user to see, never resent
    try {
      await send(entry);
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(0, "network", String(err));
      if (entry.kind === "catalog" && entry.attempts > 0 && alreadyDone(entry.payload, e)) {
        await tx("readwrite", (s) => s.delete(entry.seq));
        sent++;
        waited++;
        continue;
      }
      if (e.transient || e.status === 401) {
        await tx("readwrite", (s) => s.put({ ...entry, attempts: entry.attempts + 1, waiting: waitingFor(e) }));
        break; // keep the order: later entries wait for this one
      }
      await tx("readwrite", (s) => s.put({ ...entry, attempts: entry.attempts + 1, error: e.message }));
      toast(`Envoi refusé par le hub : ${e.message}`, "error");
      continue;
    }
    await tx("readwrite", (s) => s.delete(entry.seq));
    sent++;
    if (entry.attempts > 0) waited++;
  }
  await refreshOutbox();
  if (waited) toast(waited > 1 ? `${waited} envois en attente sont partis.` : "L'envoi en attente est parti.", "success");
  return sent;
}

/** Replay on open, when the network returns, when the app comes back to the foreground, and
 *  every RETRY_MS while something waits. */
export function startOutbox(): void {
  const kick = () => void replay().catch(() => undefined);
  addEventListener("online", kick);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") kick();
  });
  void refreshOutbox().then(kick);
  // The hub or n8n back while the app stays open: neither "online" nor "visible" fires then.
  setInterval(() => {
    const waiting = outboxEntries.value.some((e) => !e.error);
    if (waiting && navigator.onLine && document.visibilityState === "visible") kick();
  }, RETRY_MS);
}
