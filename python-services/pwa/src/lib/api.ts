// The hub's API as the app sees it: one typed function per call, one error type.
//
// Paths and bodies follow DESIGN.md ("The phone's API", "Mesh API") and docs/api.md. What
// those documents do not fix is assumed here, in one place, and tolerated both ways where
// cheap (`listOf` accepts a bare array or an object wrapping it):
//
//   ASSUMPTION captures-list   GET /api/captures → {captures: Capture[], next_before: string|null}
//   ASSUMPTION capture-detail  GET /api/captures/{id} → Capture & {deliveries: Delivery[],
//                              audit: AuditEntry[]}; a capture has the fields of
//                              assistant.capture_json (capture_id, status, category, project,
//                              client_id, transcript, text, summary, actions[{id,text,due}],
//                              audio_ref, speech, tts_url, channel, created_at, needs_review)
//   ASSUMPTION reclassify      PATCH /api/captures/{id} answers the capture detail; the app sends
//                              an `Idempotency-Key` header (the outbox key) with it
//   ASSUMPTION devices         GET /api/devices → Device[] ({id, name, created_at,
//                              last_used_at, current})
//   ASSUMPTION catalog         GET /api/projects → Project[] ({slug, name, client_id, aliases});
//                              GET /api/clients → Client[] ({id, name, aliases}); POST bodies
//                              are the same fields; PATCH takes {name?, aliases?, client_id?}
//   ASSUMPTION push-delete     DELETE /api/push/subscriptions with body {endpoint}
//   ASSUMPTION siri-token      POST /api/tokens {scope: "capture", name} → {token, id, name}
//                              (not in DESIGN.md: the settings screen says how to use the CLI
//                              when the hub answers 404)
//   DECISION   capture         POST /api/capture (multipart) on the app's own origin: nginx
//                              sends it to n8n; without nginx the hub forwards it (MESH_CAPTURE_URL)

import { currentDevice, forgetDevice } from "./auth";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  /** No answer at all (offline, hub down): worth retrying later. */
  get network(): boolean {
    return this.status === 0;
  }
  /** Worth retrying later: no answer, a timeout, too many requests or a server-side failure. */
  get transient(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

export const REVOKED_MESSAGE =
  "Cet appareil n'est plus autorisé (jeton révoqué ou inconnu). Associe-le à nouveau.";

interface Options {
  body?: unknown;
  form?: FormData;
  query?: Record<string, string | number | null | undefined>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  anonymous?: boolean;
}

export function withQuery(path: string, query?: Options["query"]): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== null && v !== undefined && v !== "") params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export function authHeaders(): Record<string, string> {
  const device = currentDevice();
  return device ? { Authorization: `Bearer ${device.token}` } : {};
}

/** One call to the hub; the error envelope becomes an ApiError, a 401 forgets the device. */
export async function request<T>(method: string, path: string, opts: Options = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...opts.headers };
  if (!opts.anonymous) Object.assign(headers, authHeaders());
  let body: BodyInit | undefined;
  if (opts.form) body = opts.form;
  else if (opts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  let response: Response;
  try {
    response = await fetch(withQuery(path, opts.query), {
      method,
      headers,
      body,
      signal: opts.signal,
      cache: "no-store",
    });
  } catch (err) {
    if ((err as Error).name === "AbortError") throw err;
    throw new ApiError(0, "network", "Pas de connexion au hub.");
  }
  if (response.status === 401 && !opts.anonymous) {
    forgetDevice(REVOKED_MESSAGE);
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get("content-type") ?? "";
  return (type.includes("json") ? await response.json() : await response.text()) as T;
}

export async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    if (body?.error?.code) {
      return new ApiError(response.status, body.error.code, body.error.message ?? body.error.code);
    }
  } catch {
    /* not the envelope: fall through */
  }
  return new ApiError(response.status, "http_error", `Le hub a répondu ${response.status}.`);
}

function listOf<T>(value: unknown, key: string): T[] {
  if (Array.isArray(value)) return value as T[];
  const inner = (value as Record<string, unknown> | null)?.[key];
  return Array.isArray(inner) ? (inner as T[]) : [];
}

// ---------------------------------------------------------------- pairing and devices

export interface PairingCode {
  code: string;
  expires_at: string;
}
export interface Paired {
  token: string;
  device: { id: string; name: string };
}
export interface DeviceInfo {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  current: boolean;
}

export const pair = (code: string, device_name: string) =>
  request<Paired>("POST", "/api/pair", { body: { code, device_name }, anonymous: true });
export const createPairingCode = () => request<PairingCode>("POST", "/api/pairing-codes");
export const listDevices = async () =>
  listOf<DeviceInfo>(await request("GET", "/api/devices"), "devices");
export const revokeDevice = (id: string) =>
  request<void>("DELETE", `/api/devices/${encodeURIComponent(id)}`);

// ---------------------------------------------------------------- captures (inbox)

export const CATEGORIES = ["client", "idee_rd", "todo", "note_tech", "admin", "perso"] as const;
export type Category = (typeof CATEGORIES)[number];
export const STATUSES = ["pending_transcription", "pending_classification", "filed", "failed"] as const;
export type CaptureStatus = (typeof STATUSES)[number];

export interface Action {
  id?: number | string;
  text: string;
  due: string | null;
  done?: boolean;
}
export interface Capture {
  capture_id: string;
  status: CaptureStatus;
  channel?: string;
  mode?: "voice" | "text";
  category: Category | null;
  project: string | null;
  client_id: string | null;
  transcript: string | null;
  text?: string | null;
  summary?: string | null;
  actions: Action[];
  audio_ref?: string | null;
  speech?: string | null;
  tts_url?: string | null;
  needs_review?: boolean;
  last_error?: string | null;
  created_at: string;
}
export interface Delivery {
  id?: string | number;
  destination: string;
  state: string;
  attempts?: number;
  last_error?: string | null;
  updated_at?: string | null;
}
export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  detail?: Record<string, unknown>;
}
export interface CaptureDetail extends Capture {
  deliveries?: Delivery[];
  audit?: AuditEntry[];
}
export interface CapturesPage {
  captures: Capture[];
  next_before: string | null;
}
export interface CaptureFilters {
  status?: string;
  category?: string;
  project?: string;
  client?: string;
  q?: string;
  before?: string | null;
  limit?: number;
}
export interface Reclassification {
  category: Category | null;
  project: string | null;
  client_id: string | null;
  actions: Action[];
}

export async function listCaptures(filters: CaptureFilters): Promise<CapturesPage> {
  const answer = await request<unknown>("GET", "/api/captures", { query: { ...filters } });
  const captures = listOf<Capture>(answer, "captures");
  const next = (answer as { next_before?: string | null } | null)?.next_before ?? null;
  return { captures, next_before: Array.isArray(answer) ? null : next };
}
export const getCapture = (id: string) =>
  request<CaptureDetail>("GET", `/api/captures/${encodeURIComponent(id)}`);
export const captureAudioPath = (id: string) => `/api/captures/${encodeURIComponent(id)}/audio`;
export const reclassify = (id: string, body: Reclassification, key: string) =>
  request<CaptureDetail>("PATCH", `/api/captures/${encodeURIComponent(id)}`, {
    body,
    headers: { "Idempotency-Key": key },
  });
export const retryCapture = (id: string) =>
  request<unknown>("POST", `/api/captures/${encodeURIComponent(id)}/retry`);

/** The capture API of DESIGN.md (what Siri gets back), plus `status`. */
export interface CaptureAnswer extends Omit<Capture, "created_at"> {
  stored_in?: string[];
  created_at?: string;
}
export const sendCapture = (form: FormData) =>
  request<CaptureAnswer>("POST", "/api/capture", { form });

// ---------------------------------------------------------------- catalog

export interface Project {
  slug: string;
  name: string;
  client_id: string | null;
  aliases: string[];
}
export interface Client {
  id: string;
  name: string;
  aliases: string[];
}
export const listProjects = async () =>
  listOf<Project>(await request("GET", "/api/projects"), "projects");
export const listClients = async () =>
  listOf<Client>(await request("GET", "/api/clients"), "clients");
export const createProject = (p: Project) => request<Project>("POST", "/api/projects", { body: p });
export const updateProject = (slug: string, p: Partial<Project>) =>
  request<Project>("PATCH", `/api/projects/${encodeURIComponent(slug)}`, { body: p });
export const deleteProject = (slug: string) =>
  request<void>("DELETE", `/api/projects/${encodeURIComponent(slug)}`);
export const createClient = (c: Client) => request<Client>("POST", "/api/clients", { body: c });
export const updateClient = (id: string, c: Partial<Client>) =>
  request<Client>("PATCH", `/api/clients/${encodeURIComponent(id)}`, { body: c });
export const deleteClient = (id: string) =>
  request<void>("DELETE", `/api/clients/${encodeURIComponent(id)}`);

// ---------------------------------------------------------------- push and tokens

export const pushKey = () => request<{ public_key: string }>("GET", "/api/push/key");
export const savePushSubscription = (sub: PushSubscriptionJSON) =>
  request<unknown>("POST", "/api/push/subscriptions", {
    body: { endpoint: sub.endpoint, keys: sub.keys },
  });
export const deletePushSubscription = (endpoint: string) =>
  request<void>("DELETE", "/api/push/subscriptions", { body: { endpoint } });
export const createSiriToken = (name: string) =>
  request<{ token: string; id: string; name: string }>("POST", "/api/tokens", {
    body: { scope: "capture", name },
  });

// ---------------------------------------------------------------- sessions (docs/api.md)

export interface Permission {
  id: string;
  tool_name: string;
  input: Record<string, unknown>;
  requested_at: string;
  source: "sdk" | "hook";
  prompt_id?: string | null;
  state?: "pending" | "approved" | "denied" | "expired";
  message?: string | null;
}
export type SessionStatus = "idle" | "running" | "waiting_permission" | "live_terminal";
export interface Session {
  id: string;
  agent: string;
  agent_id: string;
  agent_online: boolean;
  project: string | null;
  cwd: string | null;
  title: string | null;
  git_branch: string | null;
  last_msg_at: string | null;
  status: SessionStatus | string;
  live: boolean;
  pending_permissions: Permission[];
}
export interface ToolUse {
  id: string;
  name: string;
  input: Record<string, unknown>;
}
export interface ToolResult {
  tool_use_id: string;
  content: string;
  is_error: boolean;
}
export interface Message {
  seq: number;
  session_id: string;
  uuid: string;
  parent_uuid: string | null;
  role: string;
  text: string;
  tool_uses: ToolUse[];
  tool_results: ToolResult[];
  timestamp: string | null;
  is_sidechain: boolean;
}
export interface PromptAnswer {
  prompt_id: string;
  eta_seconds: number;
  queued: boolean;
  warning: string | null;
}
export interface Agent {
  id: string;
  name: string;
  hostname: string | null;
  version: string | null;
  online: boolean;
  last_seen: string | null;
  sessions: number;
}

const sid = (id: string) => `/api/sessions/${encodeURIComponent(id)}`;
export const listSessions = () => request<Session[]>("GET", "/api/sessions");
export const getSession = (id: string) => request<Session>("GET", sid(id));
export const listMessages = (id: string, before?: number | null, limit = 50) =>
  request<{ messages: Message[]; next_before: number | null }>("GET", `${sid(id)}/messages`, {
    query: { before, limit },
  });
export const sendPrompt = (id: string, text: string, force: boolean, voice_reply = false) =>
  request<PromptAnswer>("POST", `${sid(id)}/prompt`, { body: { text, force, voice_reply } });
export const approve = (id: string, pid: string) =>
  request<unknown>("POST", `${sid(id)}/permissions/${encodeURIComponent(pid)}/approve`);
export const deny = (id: string, pid: string, message: string | null) =>
  request<unknown>("POST", `${sid(id)}/permissions/${encodeURIComponent(pid)}/deny`, {
    body: message ? { message } : {},
  });
export const streamPath = (id: string) => `${sid(id)}/stream`;
export const listAgents = () => request<Agent[]>("GET", "/api/agents");
