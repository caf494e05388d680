// Every Claude Code session of every machine, grouped by agent, the ones waiting first.
import { useEffect } from "preact/hooks";
import { listAgents, listSessions, type Agent, type Session } from "../lib/api";
import { PERMISSION_MODE_LABELS, SESSION_STATUS_LABELS, ago, plural } from "../lib/format";
import { useResource } from "../lib/resource";
import { linkClick } from "../lib/router";
import { Icon } from "../ui/icons";
import { Page } from "../ui/Layout";
import { Badge, EmptyState, ErrorNote, IconButton, Spinner, StaleNote } from "../ui/ui";

const REFRESH_MS = 10_000;

export function sessionTitle(s: Pick<Session, "title" | "project" | "cwd">): string {
  return s.title || s.project || s.cwd?.split("/").filter(Boolean).pop() || "Session sans titre";
}

/** A terminal shows a dialog no hook can answer: the phone can only say "go to the keyboard". */
export function TerminalWaiting({ session: s }: { session: Session }) {
  const mode = s.permission_mode ? PERMISSION_MODE_LABELS[s.permission_mode] ?? s.permission_mode : null;
  return (
    <div role="status" class="flex gap-3 rounded-2xl border border-rose-200 bg-rose-50 p-4 text-rose-900 dark:border-rose-400/25 dark:bg-rose-400/10 dark:text-rose-100">
      <span class="flex size-10 shrink-0 items-center justify-center rounded-xl bg-rose-100 text-rose-600 dark:bg-rose-400/15 dark:text-rose-300">
        <Icon name="keyboard" />
      </span>
      <div class="min-w-0 flex-1">
        <p class="font-semibold">Le terminal attend une réponse</p>
        <p class="mt-0.5 text-[14px] text-rose-800/90 dark:text-rose-200/80">
          Une question s'affiche dans le terminal de {s.agent} et seul le clavier peut y répondre
          {mode ? ` (mode ${mode})` : ""}. Retourne à l'ordinateur pour la régler.
        </p>
      </div>
    </div>
  );
}

export function SessionStatusBadges({ session: s }: { session: Session }) {
  const pending = s.pending_permissions.length;
  const mode = s.permission_mode && s.permission_mode !== "default" ? PERMISSION_MODE_LABELS[s.permission_mode] ?? s.permission_mode : null;
  return (
    <>
      {s.terminal_waiting && (
        <Badge tone="red" icon="keyboard">
          Le terminal attend une réponse
        </Badge>
      )}
      {pending > 0 && (
        <Badge tone="amber" icon="shield">
          {plural(pending, "permission", "permissions")}
        </Badge>
      )}
      {s.live && (
        <Badge tone="sky" icon="terminal">
          Terminal
        </Badge>
      )}
      {s.status === "running" && <Badge tone="accent">En cours</Badge>}
      {mode && <Badge>Mode {mode}</Badge>}
    </>
  );
}

export function SessionsScreen() {
  const sessions = useResource("sessions", listSessions);
  const agents = useResource("agents", listAgents);

  useEffect(() => {
    const t = setInterval(() => {
      if (document.visibilityState === "visible") {
        void sessions.reload();
        void agents.reload();
      }
    }, REFRESH_MS);
    return () => clearInterval(t);
  }, [sessions.reload, agents.reload]);

  const groups = group(sessions.data ?? [], agents.data ?? []);
  return (
    <Page
      title="Sessions Claude Code"
      wide
      actions={
        <IconButton
          icon="refresh"
          label="Actualiser"
          onClick={() => {
            void sessions.reload();
            void agents.reload();
          }}
        />
      }
    >
      <div class="space-y-6">
        <StaleNote since={sessions.staleSince} error={sessions.data ? sessions.error : null} />
        {sessions.data === undefined && sessions.loading && (
          <div class="flex justify-center py-16">
            <Spinner class="size-6" />
          </div>
        )}
        {sessions.data === undefined && sessions.error && <ErrorNote error={sessions.error} retry={sessions.reload} />}
        {sessions.data && groups.length === 0 && (
          <EmptyState icon="terminal" title="Aucune session pour l'instant">
            Lance <code class="font-mono">mesh-agent run</code> sur une machine : ses sessions Claude Code apparaîtront ici.
          </EmptyState>
        )}
        {groups.map(({ agent, online, lastSeen, items }) => (
          <section key={agent} aria-label={`Machine ${agent}`} class="space-y-2">
            <div class="flex items-center gap-2 px-1">
              <Icon name="server" class="size-4 text-slate-400" />
              <h2 class="text-[15px] font-semibold">{agent}</h2>
              <span class={`inline-flex items-center gap-1.5 text-xs ${online ? "text-emerald-600 dark:text-emerald-400" : "text-slate-500"}`}>
                <span class={`size-2 rounded-full ${online ? "bg-emerald-500" : "bg-slate-400"}`} aria-hidden="true" />
                {online ? "en ligne" : `hors ligne${lastSeen ? `, vue ${ago(lastSeen)}` : ""}`}
              </span>
            </div>
            <ul class="card divide-y divide-slate-100 overflow-hidden dark:divide-white/5">
              {items.map((s) => (
                <SessionRow key={s.id} session={s} />
              ))}
            </ul>
          </section>
        ))}
      </div>
    </Page>
  );
}

function SessionRow({ session: s }: { session: Session }) {
  const href = `/sessions/${encodeURIComponent(s.id)}`;
  const waiting = s.pending_permissions.length > 0 || !!s.terminal_waiting;
  return (
    <li>
      <a href={href} onClick={(e) => linkClick(e, href)} class="flex items-center gap-3 p-4 hover:bg-slate-50 active:bg-slate-100 dark:hover:bg-white/5">
        <span
          class={`flex size-10 shrink-0 items-center justify-center rounded-xl ${
            waiting
              ? "bg-amber-100 text-amber-700 dark:bg-amber-400/15 dark:text-amber-300"
              : "bg-slate-100 text-slate-500 dark:bg-white/5 dark:text-slate-400"
          }`}
        >
          <Icon name={s.terminal_waiting ? "keyboard" : waiting ? "shield" : "terminal"} />
        </span>
        <div class="min-w-0 flex-1">
          <div class="flex items-center gap-2">
            <p class="truncate text-[15px] font-semibold">{sessionTitle(s)}</p>
          </div>
          <p class="mt-0.5 flex items-center gap-1.5 truncate text-[13px] text-slate-500 dark:text-slate-400">
            {s.project && <span class="truncate">{s.project}</span>}
            {s.git_branch && (
              <span class="inline-flex items-center gap-0.5">
                <Icon name="branch" class="size-3.5" />
                {s.git_branch}
              </span>
            )}
            <span aria-hidden="true">·</span>
            <span class="shrink-0">{ago(s.last_msg_at)}</span>
          </p>
          <div class="mt-1.5 flex flex-wrap gap-1.5 empty:hidden">
            <SessionStatusBadges session={s} />
          </div>
        </div>
        <span class="sr-only">{SESSION_STATUS_LABELS[s.status as keyof typeof SESSION_STATUS_LABELS] ?? s.status}</span>
        <Icon name="chevron" class="size-5 shrink-0 text-slate-300 dark:text-slate-600" />
      </a>
    </li>
  );
}

function group(sessions: Session[], agents: Agent[]) {
  const byAgent = new Map<string, Session[]>();
  for (const s of sessions) byAgent.set(s.agent, [...(byAgent.get(s.agent) ?? []), s]);
  const info = new Map(agents.map((a) => [a.name, a]));
  return [...byAgent.entries()]
    .map(([agent, items]) => ({
      agent,
      online: info.get(agent)?.online ?? items[0].agent_online,
      lastSeen: info.get(agent)?.last_seen ?? null,
      // Sessions waiting for a decision first, then the most recently active.
      items: [...items].sort(
        (a, b) =>
          Number(!!b.terminal_waiting) - Number(!!a.terminal_waiting) ||
          b.pending_permissions.length - a.pending_permissions.length ||
          (b.last_msg_at ?? "").localeCompare(a.last_msg_at ?? ""),
      ),
    }))
    .sort((a, b) => Number(b.online) - Number(a.online) || a.agent.localeCompare(b.agent));
}
