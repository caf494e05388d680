// One capture: transcript, audio, classification (re-classify by hand), deliveries, audit.
import { useEffect, useState } from "preact/hooks";
import {
  ApiError,
  CATEGORIES,
  PENDING_STATUSES,
  authHeaders,
  errorOf,
  getCapture,
  listClients,
  listProjects,
  reclassify,
  retryCapture,
  type AuditEntry,
  type CaptureDetail,
  type Category,
  type Delivery,
  type Reclassification,
} from "../lib/api";
import { online, toast, useSignal } from "../lib/bus";
import {
  AUDIT_LABELS,
  CATEGORY_LABELS,
  CHANNEL_LABELS,
  DELIVERY_KIND_LABELS,
  DELIVERY_STATE_LABELS,
  actorLabel,
  ago,
  due,
  frenchSpaces,
  fullDate,
} from "../lib/format";
import { enqueue } from "../lib/outbox";
import { useResource } from "../lib/resource";
import { ulid } from "../lib/ulid";
import { Icon } from "../ui/icons";
import { Page } from "../ui/Layout";
import { Badge, Button, Card, ErrorNote, Field, IconButton, Section, Spinner, StaleNote } from "../ui/ui";
import { CategoryLabel, StatusBadge, deliveriesIn } from "./Inbox";

export function CaptureDetailScreen({ id }: { id: string }) {
  const capture = useResource(`capture:${id}`, () => getCapture(id));
  const projects = useResource("projects", listProjects);
  const clients = useResource("clients", listClients);
  const [editing, setEditing] = useState(false);
  const [retrying, setRetrying] = useState(false);
  const c = capture.data;
  const projectName = (slug: string | null) => (slug ? (projects.data?.find((p) => p.slug === slug)?.name ?? slug) : "—");
  const clientName = (cid: string | null) => (cid ? (clients.data?.find((x) => x.id === cid)?.name ?? cid) : "—");

  async function retry() {
    setRetrying(true);
    try {
      const answer = await retryCapture(id);
      const what = answer.redo === "filing" ? "La capture est reprise" : "Les envois en échec sont relancés";
      toast(answer.queued ? `${what} maintenant.` : `${what} : la prochaine tournée s'en charge.`, "success");
      await capture.reload();
    } catch (err) {
      const e = err as ApiError;
      toast(e.status === 409 ? "Rien à relancer : la capture est rangée et ses envois sont faits." : e.message, "error");
    } finally {
      setRetrying(false);
    }
  }

  const retryable = c && (PENDING_STATUSES.includes(c.status) || c.status === "failed" || deliveriesIn(c, "failed") > 0);
  return (
    <Page
      back="/"
      title="Capture"
      subtitle={c ? `${ago(c.created_at)} · ${CHANNEL_LABELS[c.channel] ?? c.channel}` : undefined}
      actions={c && !editing && <IconButton icon="edit" label="Reclasser" onClick={() => setEditing(true)} />}
    >
      {!c && capture.loading && (
        <div class="flex justify-center py-16">
          <Spinner class="size-6" />
        </div>
      )}
      {!c && capture.error && <ErrorNote error={capture.error} retry={capture.reload} />}
      {c && (
        <div class="space-y-6">
          <StaleNote since={capture.staleSince} error={capture.error} />
          <Card class="space-y-3 p-5">
            <div class="flex flex-wrap items-center gap-2">
              <CategoryLabel category={c.category} />
              <StatusBadge capture={c} />
              {c.mode === "voice" && (
                <Badge icon="mic">
                  Vocal{c.duration_s ? ` · ${Math.round(c.duration_s)} s` : ""}
                </Badge>
              )}
            </div>
            {c.summary && <p class="text-[17px] font-semibold leading-snug">{frenchSpaces(c.summary)}</p>}
            <blockquote class={`leading-relaxed whitespace-pre-wrap ${c.summary ? "text-[15px] text-slate-600 dark:text-slate-300" : "text-[17px]"}`}>
              {c.transcript || c.text || <span class="text-slate-400">Pas encore de transcription.</span>}
            </blockquote>
            {c.audio_url && <AudioPlayer url={c.audio_url} />}
            {c.last_error && c.status === "failed" && (
              <p class="flex gap-2 rounded-xl bg-rose-50 p-3 text-sm text-rose-800 dark:bg-rose-400/10 dark:text-rose-300">
                <Icon name="alert" class="mt-0.5 size-4 shrink-0" />
                {c.last_error}
              </p>
            )}
            {/* Pending again (retried): the error is history, not the capture's state. */}
            {c.last_error && PENDING_STATUSES.includes(c.status) && (
              <p class="flex gap-2 rounded-xl bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-400/10 dark:text-amber-200">
                <Icon name="refresh" class="mt-0.5 size-4 shrink-0" />
                <span>
                  Nouvel essai prévu. Dernière erreur : {c.last_error}
                </span>
              </p>
            )}
            {retryable && (
              <Button variant="secondary" icon="refresh" busy={retrying} onClick={retry}>
                {c.status === "filed" ? "Relancer les envois" : "Relancer maintenant"}
              </Button>
            )}
          </Card>

          {editing ? (
            <Reclassify
              capture={c}
              onDone={(updated) => {
                setEditing(false);
                if (updated) capture.set(updated);
              }}
            />
          ) : (
            <Section title="Classement" id="classement">
              <Card class="divide-y divide-slate-100 dark:divide-white/5">
                <Row label="Catégorie" value={c.category ? CATEGORY_LABELS[c.category] : "—"} />
                <Row label="Projet" value={projectName(c.project)} />
                <Row label="Client" value={clientName(c.client_id)} />
                <div class="p-4">
                  <p class="text-sm text-slate-500 dark:text-slate-400">Actions</p>
                  {c.actions.length === 0 ? (
                    <p class="mt-1 text-[15px]">Aucune</p>
                  ) : (
                    <ul class="mt-2 space-y-2">
                      {c.actions.map((a) => (
                        <li key={a.id} class="flex items-start gap-2 text-[15px]">
                          <Icon name="check" class={`mt-0.5 size-4 shrink-0 ${a.done ? "text-emerald-500" : "text-slate-300 dark:text-slate-600"}`} />
                          <span class={`flex-1 ${a.done ? "text-slate-400 line-through" : ""}`}>{a.text}</span>
                          {a.due && (
                            <Badge tone="amber" icon="calendar">
                              {due(a.due)}
                              {a.due_time && ` à ${hour(a.due_time)}`}
                            </Badge>
                          )}
                        </li>
                      ))}
                    </ul>
                  )}
                </div>
                <div class="p-3">
                  <Button variant="ghost" icon="edit" class="w-full" onClick={() => setEditing(true)}>
                    Reclasser
                  </Button>
                </div>
              </Card>
            </Section>
          )}

          {c.speech && (
            <Section title="Réponse" id="reponse">
              <Card class="flex items-start gap-3 p-4">
                <Icon name="volume" class="mt-0.5 size-5 shrink-0 text-accent-500" />
                <div class="flex-1 space-y-2">
                  <p class="text-[15px]">« {c.speech} »</p>
                  {c.tts_url && <audio controls preload="none" src={c.tts_url} class="w-full" aria-label="Réponse parlée" />}
                </div>
              </Card>
            </Section>
          )}

          {c.deliveries.length > 0 && (
            <Section title="Envois" id="envois">
              <Card class="divide-y divide-slate-100 dark:divide-white/5">
                {c.deliveries.map((d) => (
                  <DeliveryRow key={d.id} delivery={d} />
                ))}
              </Card>
            </Section>
          )}

          {c.audit.length > 0 && (
            <Section title="Historique" id="historique">
              <Card class="p-4">
                <ol class="relative space-y-4 border-l border-slate-200 pl-5 dark:border-white/10">
                  {c.audit.map((a, i) => (
                    <AuditRow key={i} entry={a} />
                  ))}
                </ol>
              </Card>
            </Section>
          )}
          <p class="text-center font-mono text-[11px] text-slate-400">{c.capture_id}</p>
        </div>
      )}
    </Page>
  );
}

const DELIVERY_TONES: Record<string, "green" | "red" | "neutral" | "amber"> = {
  done: "green",
  failed: "red",
  skipped: "neutral",
  pending: "amber",
};

function DeliveryRow({ delivery: d }: { delivery: Delivery }) {
  const when = d.done_at ?? d.updated_at ?? d.created_at;
  const label = DELIVERY_KIND_LABELS[d.kind] ?? d.kind;
  const about = typeof d.detail?.summary === "string" ? d.detail.summary : typeof d.detail?.text === "string" ? d.detail.text : null;
  return (
    <div class="flex items-start gap-3 p-4">
      <Icon name={d.kind.startsWith("calendar") ? "calendar" : d.kind === "cc_prompt" ? "terminal" : d.kind === "push" ? "bell" : "send"} class="mt-0.5 size-5 shrink-0 text-slate-400" />
      <div class="min-w-0 flex-1">
        <p class="text-[15px] font-medium">{label}</p>
        {about && <p class="truncate text-[13px] text-slate-500 dark:text-slate-400">{about}</p>}
        {d.last_error && d.state !== "done" && <p class="text-[13px] break-words text-rose-600 dark:text-rose-400">{d.last_error}</p>}
        <p class="text-xs text-slate-400">
          {ago(when)}
          {d.attempts > 1 ? ` · ${d.attempts} essais` : ""}
        </p>
      </div>
      <Badge tone={DELIVERY_TONES[d.state] ?? "neutral"}>{DELIVERY_STATE_LABELS[d.state] ?? d.state}</Badge>
    </div>
  );
}

/** One line of the audit trail, with what changed for a re-classification. */
function AuditRow({ entry: a }: { entry: AuditEntry }) {
  const detail = a.detail ?? {};
  let what = AUDIT_LABELS[a.action] ?? a.action;
  const kind = typeof detail.kind === "string" ? DELIVERY_KIND_LABELS[detail.kind] ?? detail.kind : null;
  if (kind && a.action.startsWith("delivery.")) what = `${what} : ${kind}`;
  const changes: string[] = [];
  if (a.action === "capture.reclassified") {
    const before = (detail.before ?? {}) as Record<string, unknown>;
    const after = (detail.after ?? {}) as Record<string, unknown>;
    if ("category" in after && after.category !== before.category) {
      const name = (v: unknown) => (v ? CATEGORY_LABELS[v as Category] ?? String(v) : "aucune");
      changes.push(`Catégorie : ${name(before.category)} → ${name(after.category)}`);
    }
    for (const [key, label] of [["project", "Projet"], ["client_id", "Client"]] as const) {
      if (key in after && after[key] !== before[key]) changes.push(`${label} : ${before[key] ?? "aucun"} → ${after[key] ?? "aucun"}`);
    }
    if (Array.isArray(after.actions)) changes.push(`Actions : ${after.actions.length}`);
  }
  return (
    <li class="relative">
      <span class="absolute top-1.5 -left-[25px] size-2.5 rounded-full bg-accent-500 ring-4 ring-white dark:ring-ink-900" />
      <p class="text-[15px] font-medium">{what}</p>
      {changes.map((line) => (
        <p key={line} class="text-[13px] text-slate-600 dark:text-slate-300">
          {line}
        </p>
      ))}
      <p class="text-xs text-slate-500 dark:text-slate-400">
        {fullDate(a.at)} · {actorLabel(a.actor)}
      </p>
    </li>
  );
}

function Row({ label, value }: { label: string; value: string }) {
  return (
    <div class="flex items-center justify-between gap-4 p-4">
      <span class="text-sm text-slate-500 dark:text-slate-400">{label}</span>
      <span class="truncate text-[15px] font-medium">{value}</span>
    </div>
  );
}

/** The kept audio, fetched with the device token (an <audio src> cannot send it). */
function AudioPlayer({ url: path }: { url: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [state, setState] = useState<"idle" | "loading" | "gone" | "error">("idle");
  useEffect(() => () => void (url && URL.revokeObjectURL(url)), [url]);
  async function load() {
    setState("loading");
    try {
      const response = await fetch(path, { headers: authHeaders() });
      if (response.status === 404) return setState("gone");
      if (!response.ok) throw await errorOf(response);
      setUrl(URL.createObjectURL(await response.blob()));
      setState("idle");
    } catch {
      setState("error");
    }
  }
  if (url) return <audio controls autoPlay src={url} class="w-full" />;
  if (state === "gone") return <p class="text-sm text-slate-500">L'audio a été purgé (gardé 30 jours).</p>;
  return (
    <Button variant="secondary" icon="play" busy={state === "loading"} onClick={load}>
      {state === "error" ? "Réessayer l'écoute" : "Écouter l'enregistrement"}
    </Button>
  );
}

interface DraftAction {
  id?: number;
  text: string;
  due: string | null;
  due_time: string | null;
}

/** A time of day (HH:MM) as said in French: "10h", "10h30", "midi", "minuit". */
function hour(value: string): string {
  const [h, m] = value.split(":");
  if (value === "12:00") return "midi";
  if (value === "00:00") return "minuit";
  return `${Number(h)}h${m === "00" ? "" : m}`;
}

function Reclassify({ capture, onDone }: { capture: CaptureDetail; onDone: (c?: CaptureDetail) => void }) {
  const projects = useResource("projects", listProjects);
  const clients = useResource("clients", listClients);
  const isOnline = useSignal(online);
  // A question is re-filed as a note by picking its category: "question" is no choice here.
  const [category, setCategory] = useState<Category | null>(
    capture.category === "question" ? null : capture.category,
  );
  const [project, setProject] = useState(capture.project);
  const [client, setClient] = useState(capture.client_id);
  const [actions, setActions] = useState<DraftAction[]>(capture.actions.map((a) => ({ id: a.id, text: a.text, due: a.due, due_time: a.due_time ?? null })));
  const [busy, setBusy] = useState(false);

  function setAction(i: number, change: Partial<DraftAction>) {
    setActions(actions.map((a, j) => (j === i ? { ...a, ...change } : a)));
  }

  async function save(event: Event) {
    event.preventDefault();
    if (!category) return;
    const body: Reclassification = {
      category,
      project: project || null,
      client_id: client || null,
      actions: actions
        .filter((a) => a.text.trim())
        .map((a) => ({ ...(a.id !== undefined ? { id: a.id } : {}), text: a.text.trim(), due: a.due || null, due_time: (a.due && a.due_time) || null })),
    };
    const key = `rcl_${ulid()}`;
    setBusy(true);
    try {
      const updated = await reclassify(capture.capture_id, body, key);
      toast("Reclassée. n8n met à jour l'agenda si besoin.", "success");
      onDone(updated);
    } catch (err) {
      const e = err as ApiError;
      if (e.transient) {
        // Offline or hub down: kept in the outbox and sent, once, as soon as possible.
        await enqueue({ key, kind: "reclassify", created_at: new Date().toISOString(), payload: { capture_id: capture.capture_id, body }, attempts: 0 });
        toast(
          navigator.onLine
            ? "Le hub ne répond pas : le reclassement partira dès qu'il répondra."
            : "Hors ligne : le reclassement partira au retour du réseau.",
          "info",
        );
        onDone();
      } else {
        toast(e.message, "error");
      }
    } finally {
      setBusy(false);
    }
  }

  const projectOptions = projects.data ?? [];
  const clientOptions = clients.data ?? [];
  return (
    <form onSubmit={save} aria-label="Reclasser la capture">
      <Section title="Reclasser" id="reclasser">
        <Card class="space-y-4 p-5">
          <fieldset>
            <legend class="mb-2 text-sm font-medium text-slate-700 dark:text-slate-300">Catégorie</legend>
            <div class="flex flex-wrap gap-2">
              {CATEGORIES.map((cat) => (
                <label key={cat} class="cursor-pointer rounded-full border border-slate-300 px-3.5 py-2 text-sm font-medium has-[:checked]:border-accent-600 has-[:checked]:bg-accent-600 has-[:checked]:text-white has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-accent-400 dark:border-ink-700">
                  <input type="radio" name="category" class="sr-only" value={cat} checked={category === cat} onChange={() => setCategory(cat)} />
                  {CATEGORY_LABELS[cat]}
                </label>
              ))}
            </div>
          </fieldset>
          <div class="grid gap-4 sm:grid-cols-2">
            <Field label="Projet">
              <select class="field" value={project ?? ""} onChange={(e) => setProject(e.currentTarget.value || null)}>
                <option value="">Aucun</option>
                {project && !projectOptions.some((p) => p.slug === project) && <option value={project}>{project}</option>}
                {projectOptions.map((p) => (
                  <option key={p.slug} value={p.slug}>
                    {p.name}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Client">
              <select class="field" value={client ?? ""} onChange={(e) => setClient(e.currentTarget.value || null)}>
                <option value="">Aucun</option>
                {client && !clientOptions.some((x) => x.id === client) && <option value={client}>{client}</option>}
                {clientOptions.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.name}
                  </option>
                ))}
              </select>
            </Field>
          </div>
          <fieldset class="space-y-2">
            <legend class="mb-1 text-sm font-medium text-slate-700 dark:text-slate-300">Actions</legend>
            {actions.map((a, i) => (
              <div key={a.id ?? `new-${i}`} class="flex flex-wrap items-center gap-2 sm:flex-nowrap">
                <input class="field min-w-0 flex-1 basis-full sm:basis-auto" aria-label={`Action ${i + 1}`} value={a.text} onInput={(e) => setAction(i, { text: e.currentTarget.value })} placeholder="Que faut-il faire ?" />
                <input type="date" class="field w-auto flex-1 sm:w-[10rem] sm:flex-none" aria-label={`Échéance de l'action ${i + 1}`} value={a.due ?? ""} onInput={(e) => setAction(i, e.currentTarget.value ? { due: e.currentTarget.value } : { due: null, due_time: null })} />
                <input type="time" class="field w-auto sm:w-[7.5rem] sm:flex-none" aria-label={`Heure de l'action ${i + 1}`} title={a.due ? "Vide : toute la journée" : "Choisis d'abord une date"} disabled={!a.due} value={a.due_time ?? ""} onInput={(e) => setAction(i, { due_time: e.currentTarget.value || null })} />
                <IconButton icon="trash" label={`Supprimer l'action ${i + 1}`} onClick={() => setActions(actions.filter((_, j) => j !== i))} />
              </div>
            ))}
            <Button variant="ghost" icon="plus" onClick={() => setActions([...actions, { text: "", due: null, due_time: null }])}>
              Ajouter une action
            </Button>
          </fieldset>
          {!isOnline && <p class="text-sm text-amber-700 dark:text-amber-300">Hors ligne : l'enregistrement partira au retour du réseau.</p>}
          <div class="flex gap-2">
            <Button variant="secondary" class="flex-1" onClick={() => onDone()}>
              Annuler
            </Button>
            <Button type="submit" class="flex-1" busy={busy} disabled={!category}>
              Enregistrer
            </Button>
          </div>
        </Card>
      </Section>
    </form>
  );
}
