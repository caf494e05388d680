// Capture: type a note or hold the microphone; the answer (transcript, classification, speech)
// is shown and can be played. Every capture goes through the outbox with its own capture_id,
// so one made offline leaves, once, when the network returns.
import { useEffect, useRef, useState } from "preact/hooks";
import { listClients, listProjects, type CaptureAnswer } from "../lib/api";
import { online, useSignal } from "../lib/bus";
import { CATEGORY_LABELS, answerLabel, due } from "../lib/format";
import { captureAnswers, enqueue, outboxEntries, replay, type Waiting } from "../lib/outbox";
import { Recording, extensionFor, pickMimeType } from "../lib/recorder";
import { useResource } from "../lib/resource";
import { linkClick } from "../lib/router";
import { captureId } from "../lib/ulid";
import { Icon } from "../ui/icons";
import { Page } from "../ui/Layout";
import { Badge, Button, Card } from "../ui/ui";

const KEPT: Record<Waiting, string> = {
  network: "Hors ligne : capture gardée sur l'appareil, elle partira au retour du réseau.",
  hub: "Le hub ne répond pas : capture gardée sur l'appareil, nouvel essai automatique.",
  n8n: "n8n ne répond pas : capture gardée sur l'appareil, nouvel essai automatique.",
};

type Phase = { kind: "idle" } | { kind: "sending"; key: string } | { kind: "queued"; key: string } | { kind: "done"; answer: CaptureAnswer };

export function CaptureScreen() {
  const [text, setText] = useState("");
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const isOnline = useSignal(online);
  const answers = useSignal(captureAnswers);
  const entries = useSignal(outboxEntries);

  // The outbox tells when (and with what answer) our capture left.
  useEffect(() => {
    if ((phase.kind === "sending" || phase.kind === "queued") && answers?.key === phase.key) {
      setPhase({ kind: "done", answer: answers.answer });
    }
  }, [answers, phase]);
  useEffect(() => {
    if (phase.kind !== "sending") return;
    const waiting = entries.find((e) => e.key === phase.key);
    if (waiting && waiting.attempts > 0) setPhase({ kind: "queued", key: phase.key });
  }, [entries, phase]);

  async function submit(payload: { text?: string; audio?: Blob; mode: "text" | "voice" }) {
    const key = captureId();
    const audio_name = payload.audio ? `note.${extensionFor(payload.audio.type)}` : undefined;
    await enqueue({ key, kind: "capture", created_at: new Date().toISOString(), payload: { ...payload, audio_name }, attempts: 0 });
    setPhase({ kind: "sending", key });
    await replay().catch(() => undefined);
  }

  async function sendText(event: Event) {
    event.preventDefault();
    const value = text.trim();
    if (!value) return;
    setText("");
    await submit({ text: value, mode: "text" });
  }

  const sending = phase.kind === "sending";
  return (
    <Page title="Capturer" subtitle="Une idée, une tâche, une note : je range tout">
      <div class="space-y-5">
        <form onSubmit={sendText} class="card p-3" aria-label="Note écrite">
          <label for="note" class="sr-only">
            Ta note
          </label>
          <textarea
            id="note"
            rows={4}
            class="w-full resize-none bg-transparent p-2 text-[17px] leading-relaxed outline-none placeholder:text-slate-400"
            placeholder="Ex. : pour le client Acme, rappeler Paul vendredi au sujet du devis"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) void sendText(e);
            }}
          />
          <div class="flex items-center justify-between gap-3 border-t border-slate-100 pt-3 pl-2 dark:border-white/5">
            <span class="text-xs text-slate-500 dark:text-slate-400">
              {isOnline ? "Envoyé à n8n comme une capture Siri" : "Hors ligne : gardée et envoyée plus tard"}
            </span>
            <Button type="submit" icon="send" disabled={!text.trim()} busy={sending}>
              Envoyer
            </Button>
          </div>
        </form>

        <PushToTalk disabled={sending} onAudio={(audio) => submit({ audio, mode: "voice" })} />

        {phase.kind === "queued" && (
          <Card class="flex items-center gap-3 border-l-4 border-amber-400 p-4">
            <Icon name="offline" class="size-5 shrink-0 text-amber-500" />
            <p class="text-[15px]">{KEPT[entries.find((e) => e.key === phase.key)?.waiting ?? "network"]}</p>
          </Card>
        )}
        {phase.kind === "done" && <AnswerCard answer={phase.answer} />}
      </div>
    </Page>
  );
}

function PushToTalk({ disabled, onAudio }: { disabled: boolean; onAudio: (audio: Blob) => void }) {
  const [recording, setRecording] = useState<Recording | null>(null);
  const [seconds, setSeconds] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const startedAt = useRef(0);
  const held = useRef(false);
  const supported = pickMimeType() !== null && !!navigator.mediaDevices;

  useEffect(() => {
    if (!recording) return;
    const t = setInterval(() => setSeconds(Math.floor((Date.now() - startedAt.current) / 1000)), 250);
    return () => clearInterval(t);
  }, [recording]);

  async function start() {
    setError(null);
    try {
      const r = await Recording.start();
      startedAt.current = Date.now();
      setSeconds(0);
      setRecording(r);
    } catch (err) {
      setError((err as Error).name === "NotAllowedError" ? "Le micro est refusé : autorise-le dans les réglages." : (err as Error).message);
    }
  }
  async function stop() {
    const r = recording;
    setRecording(null);
    if (!r) return;
    const audio = await r.stop();
    if (!audio || Date.now() - startedAt.current < 600) {
      setError("Trop court : maintiens le bouton pendant que tu parles.");
      return;
    }
    onAudio(audio);
  }

  if (!supported) {
    return <p class="text-center text-sm text-slate-500">L'enregistrement vocal n'est pas disponible dans ce navigateur.</p>;
  }
  // Hold to talk (pointer), or tap to start and tap again to stop (keyboard, VoiceOver).
  return (
    <div class="flex flex-col items-center gap-3 py-4">
      <button
        type="button"
        disabled={disabled}
        aria-pressed={recording ? "true" : "false"}
        aria-label={recording ? "Arrêter et envoyer" : "Maintenir pour parler"}
        class={`relative isolate flex size-28 items-center justify-center rounded-full text-white shadow-xl transition-transform select-none [-webkit-touch-callout:none] active:scale-95 disabled:opacity-50 ${
          recording ? "pulse-ring bg-rose-500 text-rose-500" : "bg-gradient-to-br from-accent-500 to-violet-600"
        }`}
        onPointerDown={(e) => {
          if (e.pointerType === "mouse" && e.button !== 0) return;
          if (recording) {
            void stop(); // second tap of tap-to-talk
            return;
          }
          held.current = true;
          void start();
        }}
        onPointerUp={() => {
          // Released after a real press: hold-to-talk. A quick tap keeps recording until the next.
          if (held.current && recording && Date.now() - startedAt.current > 600) void stop();
          held.current = false;
        }}
        onKeyDown={(e) => {
          if (e.key !== " " && e.key !== "Enter") return;
          e.preventDefault();
          if (recording) void stop();
          else void start();
        }}
        onContextMenu={(e) => e.preventDefault()}
      >
        <Icon name={recording ? "stop" : "mic"} class="size-11 text-white" />
      </button>
      <p class="text-center text-sm font-medium text-slate-600 dark:text-slate-300" aria-live="polite">
        {recording
          ? `Enregistrement… ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`
          : "Maintiens pour parler, relâche pour envoyer ; ou touche pour commencer, touche encore pour envoyer"}
      </p>
      {error && (
        <p role="alert" class="text-sm text-rose-600 dark:text-rose-400">
          {error}
        </p>
      )}
    </div>
  );
}

function AnswerCard({ answer: a }: { answer: CaptureAnswer }) {
  const href = `/captures/${encodeURIComponent(a.capture_id)}`;
  const filed = a.status === "filed";
  const failed = a.status === "failed";
  const label = answerLabel(a);
  const projects = useResource("projects", listProjects);
  const clients = useResource("clients", listClients);
  const projectName = projects.data?.find((p) => p.slug === a.project)?.name ?? a.project;
  const clientName = clients.data?.find((c) => c.id === a.client_id)?.name ?? a.client_id;
  const ref = useRef<HTMLElement>(null);
  useEffect(() => ref.current?.scrollIntoView({ block: "nearest" }), [a.capture_id]);
  return (
    <section ref={ref} class="card scroll-mb-24 space-y-4 p-5" aria-live="polite" aria-label="Réponse à la capture">
      <div class="flex items-center gap-2">
        <span
          class={`flex size-8 items-center justify-center rounded-full ${
            filed
              ? "bg-emerald-100 text-emerald-700 dark:bg-emerald-400/15 dark:text-emerald-300"
              : failed
                ? "bg-rose-100 text-rose-700 dark:bg-rose-400/15 dark:text-rose-300"
                : "bg-amber-100 text-amber-700 dark:bg-amber-400/15 dark:text-amber-300"
          }`}
        >
          <Icon name={filed ? "check" : failed ? "alert" : "refresh"} class="size-4" />
        </span>
        <p class="font-semibold">{label.title}</p>
      </div>
      {label.next && <p class="text-sm text-slate-600 dark:text-slate-300">{label.next}</p>}
      {a.speech && <p class="text-[17px] leading-relaxed">« {a.speech} »</p>}
      {a.tts_url && <audio controls autoPlay src={a.tts_url} class="w-full" aria-label="Réponse parlée" />}
      {a.transcript && (
        <div>
          <p class="text-xs font-semibold tracking-wide text-slate-500 uppercase">Transcription</p>
          <p class="mt-1 text-[15px] whitespace-pre-wrap">{a.transcript}</p>
        </div>
      )}
      <div class="flex flex-wrap gap-1.5">
        {a.category && <Badge tone="accent">{CATEGORY_LABELS[a.category]}</Badge>}
        {a.project && <Badge icon="folder">{projectName}</Badge>}
        {a.client_id && <Badge tone="sky" icon="user">{clientName}</Badge>}
      </div>
      {a.actions?.length > 0 && (
        <ul class="space-y-1.5">
          {a.actions.map((x, i) => (
            <li key={i} class="flex items-start gap-2 text-[15px]">
              <Icon name="check" class="mt-0.5 size-4 shrink-0 text-slate-400" />
              <span class="flex-1">{x.text}</span>
              {x.due && <Badge tone="amber" icon="calendar">{due(x.due)}</Badge>}
            </li>
          ))}
        </ul>
      )}
      <a href={href} onClick={(e) => linkClick(e, href)} class="inline-flex items-center gap-1 text-sm font-semibold text-accent-600 dark:text-accent-300">
        Voir dans la boîte <Icon name="chevron" class="size-4" />
      </a>
    </section>
  );
}
