// One Claude Code session: its history (paged, newest at the bottom), live over SSE, the
// pending permissions with their full input, and the prompt box.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import {
  ApiError,
  approve,
  deny,
  getSession,
  listMessages,
  listPrompts,
  sendPrompt,
  type Message,
  type Permission,
  type PromptInfo,
  type Session,
  type ToolResult,
} from "../lib/api";
import { online, toast, useSignal } from "../lib/bus";
import { arrange } from "../lib/fork";
import { PERMISSION_MODE_LABELS, SESSION_STATUS_LABELS, ago, clock } from "../lib/format";
import { SessionStream, type StreamState } from "../lib/sse";
import { Icon } from "../ui/icons";
import { Page } from "../ui/Layout";
import { Badge, Button, ErrorNote, Sheet, Spinner } from "../ui/ui";
import { BranchHeader, ForkMarker, MessageView } from "./Messages";
import { ToolInput } from "./ToolInput";
import { TerminalWaiting, sessionTitle } from "./Sessions";

const PAGE = 50;
const HISTORY_POLL_MS = 2000;

/** Whether the hub is still receiving the history above a page: it says there is more
 * (`next_before`) though the page is not full (a big transcript is sent tail first). */
function historyArriving(page: { messages: Message[]; next_before: number | null }): boolean {
  return page.next_before !== null && page.messages.length < PAGE;
}

function nearBottom(): boolean {
  return innerHeight + scrollY >= document.documentElement.scrollHeight - 240;
}

export function SessionScreen({ id }: { id: string }) {
  const [session, setSession] = useState<Session | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [nextBefore, setNextBefore] = useState<number | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [stream, setStream] = useState<{ state: StreamState; detail?: string; since: number }>({ state: "connecting", since: Date.now() });
  const [unseen, setUnseen] = useState(0);
  const [prompts, setPrompts] = useState<PromptInfo[]>([]);
  // The permissions on screen, read by the stream's handler (which outlives renders).
  const shown = useRef(new Set<string>());
  shown.current = new Set(session?.pending_permissions.map((p) => p.id));
  const [olderBusy, setOlderBusy] = useState(false);
  const [filling, setFilling] = useState(false);
  const [asked, setAsked] = useState(0); // times the same cursor came back empty
  const stick = useRef(true);
  const anchor = useRef<number | null>(null);

  useEffect(() => {
    let live: SessionStream | null = null;
    let cancelled = false;
    (async () => {
      try {
        const [s, page] = await Promise.all([getSession(id), listMessages(id, null, PAGE)]);
        if (cancelled) return;
        void loadPrompts();
        setSession(s);
        setMessages(page.messages);
        setNextBefore(page.next_before);
        setFilling(historyArriving(page));
        const last = page.messages.reduce((m, x) => Math.max(m, x.seq), 0);
        live = new SessionStream(id, last, {
          onState: (state, detail) => setStream({ state, detail, since: Date.now() }),
          onEvent: (event) => {
            if (event.event === "message") {
              const m = event.data as Message;
              stick.current = nearBottom();
              setMessages((all) => (all.some((x) => x.seq === m.seq || x.uuid === m.uuid) ? all : [...all, m]));
              if (!stick.current) setUnseen((n) => n + 1);
              if (m.role === "user" && m.text.trim()) void loadPrompts(); // a turn that may fork
            } else if (event.event === "status") {
              setSession((s) => (s ? { ...s, ...(event.data as Partial<Session>), pending_permissions: s.pending_permissions } : s));
            } else if (event.event === "permission") {
              const p = event.data as Permission;
              const known = shown.current.has(p.id);
              setSession((s) => {
                if (!s) return s;
                const others = s.pending_permissions.filter((x) => x.id !== p.id);
                return { ...s, pending_permissions: p.state === "pending" || !p.state ? [...others, p] : others };
              });
              // Decided elsewhere: the card goes at once and the app says why.
              if (known && p.state && p.state !== "pending") {
                const told = settledElsewhere(p);
                if (told) toast(told, "info");
              }
            }
          },
        });
      } catch (err) {
        if (!cancelled) setError(err as ApiError);
      }
    })();
    return () => {
      cancelled = true;
      live?.close();
    };
  }, [id]);

  // Newest at the bottom: follow new messages while the reader is at the bottom.
  useLayoutEffect(() => {
    if (anchor.current !== null) {
      scrollTo(0, document.documentElement.scrollHeight - anchor.current);
      anchor.current = null;
    } else if (stick.current) {
      scrollTo(0, document.documentElement.scrollHeight);
    }
  }, [messages, session?.pending_permissions.length]);

  useEffect(() => {
    const onScroll = () => nearBottom() && setUnseen(0);
    addEventListener("scroll", onScroll, { passive: true });
    return () => removeEventListener("scroll", onScroll);
  }, []);

  async function loadPrompts() {
    try {
      setPrompts(await listPrompts(id));
    } catch {
      /* the fork labels fall back to "newest branch goes on" */
    }
  }

  function prepend(page: { messages: Message[]; next_before: number | null }) {
    anchor.current = document.documentElement.scrollHeight - scrollY;
    setMessages((all) => [...page.messages.filter((m) => !all.some((x) => x.seq === m.seq)), ...all]);
    setNextBefore(page.next_before);
    setFilling(historyArriving(page));
  }

  async function older() {
    if (!nextBefore) return;
    setOlderBusy(true);
    try {
      const page = await listMessages(id, nextBefore, PAGE);
      stick.current = false;
      prepend(page);
    } catch (err) {
      toast((err as ApiError).message, "error");
    } finally {
      setOlderBusy(false);
    }
  }

  // While the hub still receives the history just above the oldest message shown, ask again
  // until that page is complete (the agent sends it newest first) or the history is all there.
  useEffect(() => {
    if (!filling || nextBefore === null) return;
    const timer = setTimeout(async () => {
      try {
        const page = await listMessages(id, nextBefore, PAGE);
        if (page.messages.length > 0 || page.next_before !== nextBefore) prepend(page);
        else setAsked((n) => n + 1); // nothing yet: the same cursor, asked again
      } catch {
        setFilling(false); // the button stays, to ask by hand
      }
    }, HISTORY_POLL_MS);
    return () => clearTimeout(timer);
  }, [filling, nextBefore, asked, id]);

  const rows = useMemo(() => arrange(messages, prompts), [messages, prompts]);
  const results = useMemo(() => {
    const map = new Map<string, ToolResult>();
    for (const m of messages) for (const r of m.tool_results) map.set(r.tool_use_id, r);
    return map;
  }, [messages]);

  if (error) {
    return (
      <Page back="/sessions" title="Session">
        <ErrorNote error={error} />
      </Page>
    );
  }
  return (
    <Page
      back="/sessions"
      wide
      title={session ? sessionTitle(session) : "Session"}
      subtitle={session && <SessionSubtitle session={session} stream={stream} />}
    >
      {!session ? (
        <div class="flex justify-center py-16">
          <Spinner class="size-6" />
        </div>
      ) : (
        <div class="space-y-4">
          {stream.state !== "live" && stream.state !== "connecting" && (
            <p role="status" class="flex items-center gap-2 rounded-xl bg-amber-100 px-3 py-2 text-sm text-amber-900 dark:bg-amber-400/15 dark:text-amber-200">
              <Icon name="offline" class="size-4 shrink-0" />
              {stream.state === "gone"
                ? stream.detail
                : `Flux interrompu — reconnexion… (affichage de ${clock(stream.since)})`}
            </p>
          )}
          {filling ? (
            <p role="status" class="flex items-center justify-center gap-2 py-2 text-sm text-slate-500">
              <Spinner class="size-4" />
              Chargement de l'historique…
            </p>
          ) : (
            nextBefore && (
              <div class="flex justify-center">
                <Button variant="secondary" busy={olderBusy} onClick={older}>
                  Messages précédents
                </Button>
              </div>
            )
          )}
          {messages.length === 0 && !filling && <p class="py-10 text-center text-slate-500">Aucun message pour l'instant.</p>}
          {session.terminal_waiting && <TerminalWaiting session={session} />}
          <ol class="space-y-3" aria-label="Messages" aria-live="polite" aria-relevant="additions">
            {rows.map((row) =>
              row.kind === "message" ? (
                <MessageView key={row.message.seq} message={row.message} results={results} branch={row.branch} />
              ) : row.kind === "fork" ? (
                <ForkMarker key={`fork-${row.key}`} branches={row.branches} />
              ) : (
                <BranchHeader key={`branch-${row.branch.key}`} branch={row.branch} />
              ),
            )}
          </ol>
          <Footer
            session={session}
            onSent={() => void loadPrompts()}
            onDecided={(pid) =>
              setSession((s) => s && { ...s, pending_permissions: s.pending_permissions.filter((p) => p.id !== pid) })
            }
          />
          {unseen > 0 && (
            <button
              type="button"
              class="bottom-safe fixed left-1/2 z-30 mb-40 -translate-x-1/2 rounded-full bg-accent-600 px-4 py-2 text-sm font-semibold text-white shadow-lg lg:bottom-40"
              onClick={() => {
                scrollTo({ top: document.documentElement.scrollHeight, behavior: "smooth" });
                setUnseen(0);
              }}
            >
              {unseen} nouveau{unseen > 1 ? "x" : ""} message{unseen > 1 ? "s" : ""} ↓
            </button>
          )}
        </div>
      )}
    </Page>
  );
}

/** Why a permission can no longer be decided (a 409 from the hub), in French. */
export function tooLate(state: string, message: string): string {
  if (state === "answered_in_terminal") {
    const how = /\(allowed\)/.test(message) ? " (autorisée)" : /\(refused\)/.test(message) ? " (refusée)" : "";
    return `Trop tard : cette demande a déjà reçu une réponse dans le terminal${how}.`;
  }
  if (state === "expired") return "Trop tard : la demande a expiré (personne n'a répondu à temps, ou le terminal a repris la main).";
  if (state === "approved") return "Déjà autorisée depuis un autre appareil.";
  if (state === "denied") return "Déjà refusée depuis un autre appareil.";
  return "Cette demande n'attend plus de réponse.";
}

/** What the app says when a permission it shows was settled somewhere else. */
function settledElsewhere(p: Permission): string | null {
  if (p.state === "answered_in_terminal") {
    const how = p.terminal_decision === "allow" ? " : autorisée" : p.terminal_decision === "deny" ? " : refusée" : "";
    return `${p.tool_name} : répondu dans le terminal${how}.`;
  }
  if (p.state === "expired") return `${p.tool_name} : la demande a expiré.`;
  return null;
}

function SessionSubtitle({ session: s, stream }: { session: Session; stream: { state: StreamState } }) {
  const dot = stream.state === "live" ? "bg-emerald-500" : stream.state === "connecting" ? "bg-slate-400" : "bg-amber-500";
  const label = stream.state === "live" ? "En direct" : stream.state === "connecting" ? "Connexion…" : "Reconnexion…";
  return (
    <span class="flex flex-wrap items-center gap-x-1.5">
      <span class={`size-2 rounded-full ${dot}`} aria-hidden="true" />
      <span>{label}</span>
      <span aria-hidden="true">·</span>
      <span>{s.agent_online === false ? `${s.agent} (hors ligne)` : s.agent}</span>
      {s.git_branch && (
        <>
          <span aria-hidden="true">·</span>
          <Icon name="branch" class="size-3.5" />
          <span>{s.git_branch}</span>
        </>
      )}
      <span aria-hidden="true">·</span>
      <span>{SESSION_STATUS_LABELS[s.status as keyof typeof SESSION_STATUS_LABELS] ?? s.status}</span>
      {s.permission_mode && (
        <>
          <span aria-hidden="true">·</span>
          <span>Mode {PERMISSION_MODE_LABELS[s.permission_mode] ?? s.permission_mode}</span>
        </>
      )}
    </span>
  );
}

function Footer({ session, onDecided, onSent }: { session: Session; onDecided: (pid: string) => void; onSent: () => void }) {
  return (
    <div class="bottom-safe sticky isolate z-10 -mx-1 space-y-3 pt-2 before:absolute before:inset-x-[-0.75rem] before:-top-4 before:-bottom-3 before:-z-10 before:bg-gradient-to-t before:from-slate-50 before:from-85% before:to-transparent lg:bottom-4 dark:before:from-ink-950">
      {session.pending_permissions.map((p) => (
        <PermissionCard key={p.id} session={session} permission={p} onDecided={onDecided} />
      ))}
      <Composer session={session} onSent={onSent} />
    </div>
  );
}

function PermissionCard({ session, permission: p, onDecided }: { session: Session; permission: Permission; onDecided: (pid: string) => void }) {
  const isOnline = useSignal(online);
  const [busy, setBusy] = useState<"approve" | "deny" | null>(null);
  const [denying, setDenying] = useState(false);
  const [reason, setReason] = useState("");

  async function decide(verb: "approve" | "deny") {
    setBusy(verb);
    try {
      if (verb === "approve") await approve(session.id, p.id);
      else await deny(session.id, p.id, reason.trim() || null);
      onDecided(p.id);
      toast(verb === "approve" ? `${p.tool_name} autorisé.` : `${p.tool_name} refusé.`, "success");
    } catch (err) {
      const e = err as ApiError;
      toast(e.status === 409 ? tooLate(String(e.extra.state ?? ""), String(e.extra.detail ?? "")) : e.message, "error");
      if (e.status === 409 || e.status === 404) onDecided(p.id);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section
      aria-label={`Permission demandée : ${p.tool_name}`}
      class="rounded-2xl border border-amber-300 bg-amber-50 p-4 shadow-lg dark:border-amber-400/30 dark:bg-[#2a2413]"
    >
      <div class="flex items-center gap-2">
        <Icon name="shield" class="size-5 text-amber-600 dark:text-amber-300" />
        <p class="flex-1 text-[15px] font-semibold">
          Claude Code demande : <span class="font-mono">{p.tool_name}</span>
        </p>
        <Badge tone="amber">{p.source === "hook" ? "terminal" : "app"}</Badge>
      </div>
      <ToolInput tool={p.tool_name} input={p.input} />
      <p class="mt-1 text-xs text-amber-800/80 dark:text-amber-200/70">Demandé {ago(p.requested_at)}</p>
      {denying && (
        <label class="mt-3 block">
          <span class="text-sm font-medium">Pourquoi ? (transmis à Claude)</span>
          <input class="field mt-1" value={reason} onInput={(e) => setReason(e.currentTarget.value)} placeholder="Ex. : pas maintenant, lance plutôt les tests" maxLength={2000} />
        </label>
      )}
      {!isOnline && (
        <p class="mt-3 text-sm text-amber-900 dark:text-amber-200">
          Hors ligne : une décision n'est jamais mise en file, elle a besoin de la session en direct.
        </p>
      )}
      <div class="mt-3 flex gap-2">
        {denying ? (
          <>
            <Button variant="secondary" class="flex-1" onClick={() => setDenying(false)}>
              Annuler
            </Button>
            <Button variant="danger" class="flex-1" icon="x" busy={busy === "deny"} disabled={!isOnline} onClick={() => decide("deny")}>
              Refuser
            </Button>
          </>
        ) : (
          <>
            <Button variant="secondary" class="flex-1" icon="x" disabled={!isOnline || busy !== null} onClick={() => setDenying(true)}>
              Refuser…
            </Button>
            <Button variant="success" class="flex-1" icon="check" busy={busy === "approve"} disabled={!isOnline} onClick={() => decide("approve")}>
              Autoriser
            </Button>
          </>
        )}
      </div>
    </section>
  );
}

function Composer({ session, onSent }: { session: Session; onSent: () => void }) {
  const isOnline = useSignal(online);
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState(false);

  async function send(force: boolean) {
    setAsking(false);
    const value = text.trim();
    if (!value) return;
    setBusy(true);
    try {
      const answer = await sendPrompt(session.id, value, force);
      setText("");
      onSent();
      if (answer.queued) toast(answer.warning ?? "En file : le prompt partira quand le terminal aura fini.", "info");
      else toast("Prompt envoyé.", "success");
    } catch (err) {
      toast((err as ApiError).message, "error");
    } finally {
      setBusy(false);
    }
  }

  function submit(event: Event) {
    event.preventDefault();
    if (session.live) setAsking(true);
    else void send(false);
  }

  return (
    <>
      <form onSubmit={submit} class="card flex items-end gap-2 p-2 shadow-lg" aria-label="Envoyer un prompt">
        <label for="prompt" class="sr-only">
          Prompt pour Claude Code
        </label>
        <textarea
          id="prompt"
          rows={1}
          class="max-h-40 min-h-11 flex-1 resize-none bg-transparent px-3 py-2.5 text-[16px] outline-none placeholder:text-slate-400 [field-sizing:content]"
          placeholder={isOnline ? "Demande quelque chose à Claude…" : "Hors ligne : les prompts ne sont pas mis en file"}
          disabled={!isOnline}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) submit(e);
          }}
        />
        <Button type="submit" icon="send" busy={busy} disabled={!isOnline || !text.trim()} aria-label="Envoyer le prompt" class="px-3.5" />
      </form>
      <Sheet open={asking} title="Session ouverte dans un terminal" onClose={() => setAsking(false)}>
        <p class="text-[15px] text-slate-600 dark:text-slate-300">
          Quelqu'un travaille dans cette session depuis un terminal. Le prompt peut attendre qu'il ait fini, ou partir tout
          de suite en parallèle.
        </p>
        <div class="mt-5 space-y-2">
          <Button class="w-full" icon="refresh" onClick={() => send(false)}>
            Mettre en file d'attente
          </Button>
          <Button variant="danger" class="w-full" icon="alert" onClick={() => send(true)}>
            Forcer maintenant
          </Button>
          <Button variant="secondary" class="w-full" onClick={() => setAsking(false)}>
            Annuler
          </Button>
        </div>
      </Sheet>
    </>
  );
}
