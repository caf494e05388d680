// The hub's answers as the app reads them: the shapes of docs/api.md ("The phone's backend",
// "Mesh hub"), field for field. The hub's Pydantic models (mesh/models/) are the reference.

// ---------------------------------------------------------------- pairing, devices, tokens

export interface PairingCode {
  code: string; // shown ABCD-EFGH
  expires_at: string;
  url: string; // <PUBLIC_HUB_URL>/pair?code=..., what the QR code opens
}
export interface Paired {
  token: string;
  device: { id: string; name: string };
}
export interface DeviceInfo {
  id: string;
  name: string;
  paired: boolean; // false: a token made with `solo-brain token create --scope full`
  user_agent: string | null;
  created_at: string;
  last_used_at: string | null;
  push: boolean;
  current: boolean;
}
export interface CaptureToken {
  id: string;
  name: string;
  scope: "capture";
  created_at: string;
  last_used_at: string | null;
}
export interface NewCaptureToken extends CaptureToken {
  token: string; // shown once
  capture_url: string;
}

// ---------------------------------------------------------------- captures (inbox)

export const CATEGORIES = ["client", "idee_rd", "todo", "note_tech", "admin", "perso"] as const;
export type Category = (typeof CATEGORIES)[number];
/** What a capture may be filed as: a category, or a question answered by voice (never re-filed as one). */
export const STORED_CATEGORIES = [...CATEGORIES, "question"] as const;
export type StoredCategory = (typeof STORED_CATEGORIES)[number];
/** A stored capture's status (the captures_status_check constraint of the database). */
export const CAPTURE_STATUSES = ["pending_transcription", "pending_classification", "filed", "failed"] as const;
export type CaptureStatus = (typeof CAPTURE_STATUSES)[number];
/** What the capture API answers: a stored status, or `pending_confirmation` (filed within the time
 * budget, its spoken confirmation not made yet: the outcome follows by notification). */
export const ANSWER_STATUSES = [...CAPTURE_STATUSES, "pending_confirmation"] as const;
export type AnswerStatus = (typeof ANSWER_STATUSES)[number];
/** What the inbox filters on: a status, or one of the hub's groupings. */
export const STATUS_FILTERS = [
  "pending",
  "filed",
  "needs_review",
  "delivery_failed",
  "failed",
] as const;
export const PENDING_STATUSES: readonly string[] = ["pending_transcription", "pending_classification", "pending_confirmation"];

export interface Action {
  id: number;
  text: string;
  due: string | null;
  due_time?: string | null; // HH:MM on `due` (null: the whole day)
  due_phrase?: string | null;
  done: boolean;
  calendar_event_id?: string | null;
}
interface CaptureBase {
  capture_id: string;
  created_at: string;
  updated_at: string;
  channel: string;
  mode: "voice" | "text" | string;
  status: CaptureStatus;
  category: StoredCategory | null;
  project: string | null;
  client_id: string | null;
  summary: string | null;
  needs_review: boolean;
  last_error: string | null;
  has_audio: boolean;
  actions: Action[];
}
/** A capture as the inbox lists it. */
export interface CaptureSummary extends CaptureBase {
  excerpt: string;
  deliveries: Record<string, number>; // count by state
}
/** One destination of a capture (assistant.deliveries). */
export interface Delivery {
  id: string;
  action_id: number | null;
  kind: string; // calendar_event, calendar_cancel, onyx_document, cc_prompt, whatsapp_*, push, gotify
  state: "pending" | "done" | "failed" | "skipped" | string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  external_ref: string | null;
  detail: Record<string, unknown>;
  created_at: string | null;
  updated_at: string | null;
  done_at: string | null;
}
export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  detail: Record<string, unknown>;
}
export interface CaptureDetail extends CaptureBase {
  transcript: string | null;
  text: string | null;
  hint: string | null;
  language: string | null;
  duration_s: number | null;
  public: boolean;
  classifier: string | null;
  cc_prompt: Record<string, unknown> | null;
  speech: string | null;
  tts_url: string | null;
  stored_in: string[];
  attempts: number;
  next_attempt_at: string | null;
  routed_at: string | null;
  audio_url: string | null;
  deliveries: Delivery[];
  audit: AuditEntry[];
}
export interface CapturesPage {
  captures: CaptureSummary[];
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
/** PATCH /api/captures/{id}: an action without `id` is new, one left out is removed. */
export interface Reclassification {
  category?: Category;
  project?: string | null;
  client_id?: string | null;
  summary?: string | null;
  actions?: { id?: number; text: string; due: string | null; due_time?: string | null }[];
}
export interface RetryAnswer {
  capture_id: string;
  status: string;
  redo: "filing" | "deliveries";
  queued: boolean; // n8n was told at once (false: the next retry schedule takes it)
}
/** The capture API's answer (what Siri gets back), from n8n. */
export interface CaptureAnswer {
  capture_id: string;
  status: AnswerStatus;
  transcript: string | null;
  category: StoredCategory | null;
  project: string | null;
  client_id: string | null;
  actions: { text: string; due: string | null }[];
  stored_in?: string[];
  speech: string | null;
  tts_url: string | null;
}

// ---------------------------------------------------------------- catalog

export interface Project {
  slug: string;
  name: string;
  client_id: string | null;
  aliases: string[];
  captures: number;
}
export interface Client {
  id: string;
  name: string;
  aliases: string[];
  /** Its people's e-mail domains: a meeting with someone there gets a briefing. */
  domains: string[];
  captures: number;
  projects: number;
}

// ---------------------------------------------------------------- sessions

export type PermissionState = "pending" | "approved" | "denied" | "expired" | "answered_in_terminal";
export interface Permission {
  id: string;
  tool_name: string;
  input: Record<string, unknown>;
  requested_at: string;
  source: "sdk" | "hook";
  prompt_id?: string | null;
  state?: PermissionState;
  message?: string | null;
  decided_by?: string | null;
  terminal_decision?: "allow" | "deny" | null;
}
export type SessionStatus = "idle" | "running" | "waiting_permission" | "live_terminal";
/** Claude Code's permission modes, as it names them. */
export type PermissionMode = "default" | "acceptEdits" | "plan" | "auto" | "dontAsk" | "bypassPermissions";
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
  /** The terminal shows a dialog that only the keyboard can answer. */
  terminal_waiting?: boolean;
  permission_mode?: PermissionMode | string | null;
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
  seq: number; // its SSE event id (order of arrival)
  pos: number; // its place in the session: messages are shown in this order
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
export interface PromptInfo {
  id: string;
  text: string;
  voice_reply: boolean;
  force: boolean;
  state: "queued" | "running" | "done" | "failed";
  error: string | null;
  created_by: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
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
