// French labels and dates, in one place so every screen says things the same way.
import type { AnswerStatus, CaptureAnswer, SessionStatus, StoredCategory } from "./types";

export const CATEGORY_LABELS: Record<StoredCategory, string> = {
  client: "Client",
  idee_rd: "Idée R&D",
  todo: "À faire",
  note_tech: "Note technique",
  admin: "Administratif",
  perso: "Perso",
  question: "Question",
};

export const CATEGORY_TONES: Record<StoredCategory, string> = {
  client: "bg-sky-500",
  idee_rd: "bg-violet-500",
  todo: "bg-amber-500",
  note_tech: "bg-emerald-500",
  admin: "bg-slate-500",
  perso: "bg-rose-500",
  question: "bg-cyan-500",
};

/** A capture's status as a badge says it (the inbox, a capture's page). */
export const STATUS_LABELS: Record<AnswerStatus, string> = {
  pending_transcription: "Transcription en attente",
  pending_classification: "Classement en attente",
  pending_confirmation: "Confirmation en attente",
  filed: "Rangée",
  failed: "Échec",
};

/** What the capture screen says of an answer: a heading, and what happens next when not filed. */
export const ANSWER_LABELS: Record<AnswerStatus, { title: string; next?: string }> = {
  filed: { title: "Capté et rangé" },
  pending_transcription: {
    title: "Capté, transcription en attente",
    next: "La note est gardée ; le résultat sera dans la boîte, et notifié si les notifications sont activées.",
  },
  pending_classification: {
    title: "Capté, classement en attente",
    next: "La note est gardée ; le résultat sera dans la boîte, et notifié si les notifications sont activées.",
  },
  pending_confirmation: {
    title: "Capté, confirmation à suivre",
    next: "Le résultat sera dans la boîte, et notifié si les notifications sont activées.",
  },
  failed: {
    title: "Capté, mais pas rangé",
    next: "Le classement a échoué : range-la à la main depuis la boîte.",
  },
};

/** The capture screen's words for an answer; a question is answered, never filed. */
export function answerLabel(answer: Pick<CaptureAnswer, "status" | "category">): { title: string; next?: string } {
  if (answer.status === "filed" && answer.category === "question") return { title: "Question répondue" };
  return ANSWER_LABELS[answer.status] ?? { title: "Capté" };
}

/** The inbox's status filter: a status or one of the hub's groupings. */
export const STATUS_FILTER_LABELS: Record<string, string> = {
  pending: "En attente",
  filed: "Rangées",
  needs_review: "À vérifier",
  delivery_failed: "Envoi en échec",
  failed: "Échec",
};

export const DELIVERY_KIND_LABELS: Record<string, string> = {
  calendar_event: "Agenda",
  calendar_cancel: "Agenda (annulation)",
  onyx_document: "Onyx (recherche)",
  cc_prompt: "Prompt Claude Code",
  whatsapp_text: "Réponse WhatsApp",
  whatsapp_voice: "Réponse vocale WhatsApp",
  push: "Notification",
  gotify: "Gotify",
};

export const DELIVERY_STATE_LABELS: Record<string, string> = {
  pending: "En attente",
  done: "Fait",
  failed: "Échec",
  skipped: "Non configuré",
};

export const AUDIT_LABELS: Record<string, string> = {
  "capture.recorded": "Reçue",
  "capture.filed": "Rangée",
  "capture.reclassified": "Reclassée à la main",
  "capture.retried": "Reprise",
  "capture.retry_requested": "Relance demandée",
  "delivery.done": "Envoi fait",
  "delivery.failed": "Envoi en échec",
  "delivery.pending": "Envoi à retenter",
  "delivery.skipped": "Envoi ignoré",
  "delivery.retried": "Envoi relancé",
  "workflow.failed": "Erreur d'un workflow n8n",
};

/** Who did it, as the audit trail names it: `token:iPhone` → iPhone, `cli` → ligne de commande. */
export function actorLabel(actor: string): string {
  const [kind, ...rest] = actor.split(":");
  const name = rest.join(":");
  if (name && (kind === "token" || kind === "device")) return name;
  if (actor === "cli") return "ligne de commande";
  if (actor === "user") return "toi";
  return actor;
}

export const PERMISSION_MODE_LABELS: Record<string, string> = {
  default: "Manuel",
  acceptEdits: "Modifs acceptées",
  plan: "Plan",
  auto: "Auto",
  dontAsk: "Sans demander",
  bypassPermissions: "Tout autorisé",
};

export const SESSION_STATUS_LABELS: Record<SessionStatus, string> = {
  idle: "Au repos",
  running: "En cours",
  waiting_permission: "Attend ta décision",
  live_terminal: "Ouverte dans un terminal",
};

export const CHANNEL_LABELS: Record<string, string> = {
  siri: "via Siri",
  whatsapp: "via WhatsApp",
  pwa: "depuis l'app",
  api: "via l'API",
  email: "par e-mail",
};

const time = new Intl.DateTimeFormat("fr-FR", { hour: "2-digit", minute: "2-digit" });
const dayMonth = new Intl.DateTimeFormat("fr-FR", { day: "numeric", month: "short" });
const full = new Intl.DateTimeFormat("fr-FR", { dateStyle: "full", timeStyle: "short" });
const weekday = new Intl.DateTimeFormat("fr-FR", { weekday: "short", day: "numeric", month: "short" });
const relative = new Intl.RelativeTimeFormat("fr-FR", { numeric: "auto", style: "short" });

function parseDate(value: string | null | undefined): Date | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "à l'instant", "il y a 5 min", "hier, 14:02", "12 mai". */
export function ago(value: string | null | undefined, now = Date.now()): string {
  const d = parseDate(value);
  if (!d) return "—";
  const s = Math.round((now - d.getTime()) / 1000);
  if (s < 45) return "à l'instant";
  if (s < 3600) return relative.format(-Math.round(s / 60), "minute");
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return time.format(d);
  const yesterday = new Date(now - 86400000);
  if (d.toDateString() === yesterday.toDateString()) return `hier, ${time.format(d)}`;
  return dayMonth.format(d);
}

export function fullDate(value: string | null | undefined): string {
  const d = parseDate(value);
  return d ? full.format(d) : "—";
}

export function clock(value: Date | number): string {
  return time.format(value);
}

/** A due date (YYYY-MM-DD) as "ven. 17 mai", "aujourd'hui", "demain". */
export function due(value: string | null | undefined): string {
  if (!value) return "";
  const [y, m, d] = value.split("-").map(Number);
  if (!y || !m || !d) return value;
  const date = new Date(y, m - 1, d);
  const today = new Date();
  today.setHours(0, 0, 0, 0);
  const days = Math.round((date.getTime() - today.getTime()) / 86400000);
  if (days === 0) return "aujourd'hui";
  if (days === 1) return "demain";
  if (days === -1) return "hier";
  return weekday.format(date);
}

/** "1 action", "3 actions"; `none` for zero when given ("aucune capture"). */
export function plural(n: number, one: string, many: string, none?: string): string {
  if (n === 0 && none) return none;
  return `${n} ${n > 1 ? many : one}`;
}

/** French typography for text the classifier or a person wrote: the space before « : ; ! ? »
 *  and inside « » becomes unbreakable, so that no line of a summary starts with a colon. */
export function frenchSpaces(text: string): string {
  return text.replace(/ ([:;!?»])/g, "\u00a0$1").replace(/« /g, "«\u00a0");
}
