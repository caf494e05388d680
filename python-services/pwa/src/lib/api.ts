// The hub's API as the app calls it: one typed function per route of docs/api.md.
//
// Deep links are path routes, the same form the hub's events put in every push (`url`):
// /sessions/<id>, /captures/<id>, /pair?code=...; the hub answers index.html on each.
// Captures are POSTed to /api/capture on the app's own origin, like the Siri Shortcut: behind
// nginx they go to n8n's webhook, without nginx the hub forwards them (MESH_CAPTURE_URL).

import { request } from "./http";
import type {
  Agent,
  CaptureAnswer,
  CaptureDetail,
  CaptureFilters,
  CapturesPage,
  CaptureToken,
  Client,
  DeviceInfo,
  Message,
  NewCaptureToken,
  Paired,
  PairingCode,
  Project,
  PromptAnswer,
  PromptInfo,
  Reclassification,
  RetryAnswer,
  Session,
} from "./types";

export * from "./http";
export * from "./types";

const enc = encodeURIComponent;

// ---------------------------------------------------------------- pairing, devices, tokens

export const pair = (code: string, device_name: string) =>
  request<Paired>("POST", "/api/pair", { body: { code, device_name }, anonymous: true });
export const createPairingCode = () => request<PairingCode>("POST", "/api/pairing-codes", { body: {} });
export const listDevices = () => request<DeviceInfo[]>("GET", "/api/devices");
export const revokeDevice = (id: string) => request<void>("DELETE", `/api/devices/${enc(id)}`);
export const createSiriToken = (name: string) =>
  request<NewCaptureToken>("POST", "/api/tokens", { body: { name } });
export const listSiriTokens = () =>
  request<CaptureToken[]>("GET", "/api/tokens", { query: { scope: "capture" } });
export const revokeSiriToken = (id: string) => request<void>("DELETE", `/api/tokens/${enc(id)}`);

// ---------------------------------------------------------------- captures (inbox)

export const listCaptures = (filters: CaptureFilters) =>
  request<CapturesPage>("GET", "/api/captures", { query: { ...filters } });
export const getCapture = (id: string) => request<CaptureDetail>("GET", `/api/captures/${enc(id)}`);
export const reclassify = (id: string, body: Reclassification, key: string) =>
  request<CaptureDetail>("PATCH", `/api/captures/${enc(id)}`, {
    body,
    headers: { "Idempotency-Key": key },
  });
export const retryCapture = (id: string) =>
  request<RetryAnswer>("POST", `/api/captures/${enc(id)}/retry`);
export const sendCapture = (form: FormData) =>
  request<CaptureAnswer>("POST", "/api/capture", { form });

// ---------------------------------------------------------------- catalog

type ProjectIn = Pick<Project, "slug" | "name" | "client_id" | "aliases">;
type ClientIn = Pick<Client, "id" | "name" | "aliases" | "domains">;
export const listProjects = () => request<Project[]>("GET", "/api/projects");
export const listClients = () => request<Client[]>("GET", "/api/clients");
export const createProject = (p: ProjectIn) => request<Project>("POST", "/api/projects", { body: p });
export const updateProject = (slug: string, p: Partial<ProjectIn>) =>
  request<Project>("PATCH", `/api/projects/${enc(slug)}`, { body: p });
export const deleteProject = (slug: string, force = false) =>
  request<void>("DELETE", `/api/projects/${enc(slug)}`, { query: { force } });
export const createClient = (c: ClientIn) => request<Client>("POST", "/api/clients", { body: c });
export const updateClient = (id: string, c: Partial<ClientIn>) =>
  request<Client>("PATCH", `/api/clients/${enc(id)}`, { body: c });
export const deleteClient = (id: string, force = false) =>
  request<void>("DELETE", `/api/clients/${enc(id)}`, { query: { force } });

// ---------------------------------------------------------------- push

export const pushKey = () => request<{ public_key: string }>("GET", "/api/push/key");
export const savePushSubscription = (sub: PushSubscriptionJSON) =>
  request<{ endpoint: string; created: boolean }>("POST", "/api/push/subscriptions", {
    body: { endpoint: sub.endpoint, keys: sub.keys },
  });
export const deletePushSubscription = (endpoint: string) =>
  request<void>("DELETE", "/api/push/subscriptions", { body: { endpoint } });

// ---------------------------------------------------------------- sessions

const sid = (id: string) => `/api/sessions/${enc(id)}`;
export const listSessions = () => request<Session[]>("GET", "/api/sessions");
export const getSession = (id: string) => request<Session>("GET", sid(id));
export const listMessages = (id: string, before?: number | null, limit = 50) =>
  request<{ messages: Message[]; next_before: number | null }>("GET", `${sid(id)}/messages`, {
    query: { before, limit },
  });
export const listPrompts = (id: string, limit = 50) =>
  request<PromptInfo[]>("GET", `${sid(id)}/prompts`, { query: { limit } });
export const sendPrompt = (id: string, text: string, force: boolean, voice_reply = false) =>
  request<PromptAnswer>("POST", `${sid(id)}/prompt`, { body: { text, force, voice_reply } });
export const approve = (id: string, pid: string) =>
  request<unknown>("POST", `${sid(id)}/permissions/${enc(pid)}/approve`);
export const deny = (id: string, pid: string, message: string | null) =>
  request<unknown>("POST", `${sid(id)}/permissions/${enc(pid)}/deny`, {
    body: message ? { message } : {},
  });
export const streamPath = (id: string) => `${sid(id)}/stream`;
export const listAgents = () => request<Agent[]>("GET", "/api/agents");
