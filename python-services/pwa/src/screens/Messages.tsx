// A transcript message: the user's turns on the right, Claude's on the left, tool calls as
// collapsible cards joined to their results.
import type { Message, ToolResult, ToolUse } from "../lib/api";
import type { Branch } from "../lib/fork";
import { clock } from "../lib/format";
import { Icon } from "../ui/icons";
import { ToolInput } from "./ToolInput";

/** Text with ``` code fences and `inline code`, nothing else (no HTML is ever injected). */
function RichText({ text }: { text: string }) {
  const parts = text.split(/```[^\n]*\n?/);
  return (
    <div class="space-y-2">
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          <pre key={i} class="overflow-x-auto rounded-lg bg-slate-900 p-3 font-mono text-[13px] text-slate-100">
            {part.replace(/\n$/, "")}
          </pre>
        ) : (
          part.trim() && (
            <p key={i} class="whitespace-pre-wrap break-words">
              {part
                .trim()
                .split(/(`[^`\n]+`)/)
                .map((chunk, j) =>
                  chunk.startsWith("`") && chunk.endsWith("`") && chunk.length > 2 ? (
                    <code key={j} class="rounded bg-slate-900/5 px-1 py-0.5 font-mono text-[0.9em] dark:bg-white/10">
                      {chunk.slice(1, -1)}
                    </code>
                  ) : (
                    chunk
                  ),
                )}
            </p>
          )
        ),
      )}
    </div>
  );
}

function toolSummary(use: ToolUse): string {
  const i = use.input;
  const pick = ["command", "file_path", "pattern", "url", "query", "description", "path"].find((k) => typeof i[k] === "string");
  return pick ? String(i[pick]) : "";
}

function ToolCard({ use, result }: { use: ToolUse; result?: ToolResult }) {
  const state = !result ? "pending" : result.is_error ? "error" : "ok";
  return (
    <details class="group overflow-hidden rounded-xl border border-slate-200 bg-white dark:border-white/10 dark:bg-ink-900">
      <summary class="flex min-h-11 cursor-pointer items-center gap-2 px-3 py-2 text-sm">
        <Icon name="tool" class="size-4 shrink-0 text-slate-400" />
        <span class="font-semibold">{use.name}</span>
        <span class="min-w-0 flex-1 truncate font-mono text-[12px] text-slate-500 dark:text-slate-400">{toolSummary(use)}</span>
        {state === "ok" && <Icon name="check" class="size-4 shrink-0 text-emerald-500" label="Réussi" />}
        {state === "error" && <Icon name="x" class="size-4 shrink-0 text-rose-500" label="Erreur ou refus" />}
        {state === "pending" && <span class="size-2 shrink-0 rounded-full bg-amber-400" title="En attente" />}
        <Icon name="down" class="size-4 shrink-0 text-slate-400 transition-transform group-open:rotate-180" />
      </summary>
      <div class="space-y-2 border-t border-slate-100 p-3 dark:border-white/5">
        <ToolInput tool={use.name} input={use.input} compact />
        {result && (
          <pre
            class={`max-h-72 overflow-auto rounded-lg p-2 font-mono text-[12px] whitespace-pre-wrap ${
              result.is_error ? "bg-rose-50 text-rose-800 dark:bg-rose-400/10 dark:text-rose-300" : "bg-slate-50 text-slate-700 dark:bg-black/30 dark:text-slate-300"
            }`}
          >
            {result.content || "(vide)"}
          </pre>
        )}
      </div>
    </details>
  );
}

const RAILS: Record<Branch["who"], string> = {
  phone: "border-violet-400 dark:border-violet-400/60",
  terminal: "border-emerald-400 dark:border-emerald-400/60",
  other: "border-slate-300 dark:border-white/20",
};
const DOTS: Record<Branch["who"], string> = {
  phone: "bg-violet-500",
  terminal: "bg-emerald-500",
  other: "bg-slate-400",
};

/** What a branch is, in a few words. */
export function branchLabel(b: Branch): string {
  if (b.who === "phone") return b.forced ? "Prompt forcé depuis l'app" : "Prompt envoyé depuis l'app";
  if (b.who === "terminal") return "Dans le terminal";
  return `Branche ${b.index}`;
}

/** The point where the transcript forks: two conversations go on from the message above. */
export function ForkMarker({ branches }: { branches: Branch[] }) {
  const phone = branches.find((b) => b.who === "phone");
  return (
    <li role="separator" aria-label="La conversation se sépare ici" class="scroll-mt-32 py-1">
      <div class="flex items-center gap-3 text-[13px] font-semibold text-violet-700 dark:text-violet-300">
        <span class="h-px flex-1 bg-violet-200 dark:bg-violet-400/20" />
        <span class="inline-flex items-center gap-1.5">
          <Icon name="fork" class="size-4" />
          La conversation se sépare ici
        </span>
        <span class="h-px flex-1 bg-violet-200 dark:bg-violet-400/20" />
      </div>
      <p class="mx-auto mt-1.5 max-w-md text-center text-[13px] text-slate-500 dark:text-slate-400">
        {phone
          ? `${phone.forced ? "Un prompt a été forcé" : "Un prompt est parti"} depuis l'app pendant que le terminal travaillait : la transcription a maintenant ${branches.length} suites, et le terminal ne voit pas celle de l'app.`
          : `${branches.length} suites partent du message ci-dessus (un prompt repris ou modifié dans le terminal).`}
      </p>
    </li>
  );
}

/** The header of one branch after a fork. */
export function BranchHeader({ branch: b }: { branch: Branch }) {
  return (
    <li aria-label={`Branche ${b.index} : ${branchLabel(b)}`} class="pt-1 text-[13px] leading-snug">
      <span class={`mr-2 inline-block size-2.5 rounded-full ${DOTS[b.who]}`} aria-hidden="true" />
      <span class="font-semibold">{branchLabel(b)}</span>{" "}
      <span class="text-slate-500 dark:text-slate-400">
        {b.continued
          ? b.who === "terminal"
            ? "· le terminal continue ici"
            : "· la conversation continue ici"
          : b.who === "phone"
            ? "· le terminal ne voit pas cette branche"
            : "· branche arrêtée"}
      </span>
    </li>
  );
}

export function MessageView({ message: m, results, branch }: { message: Message; results: Map<string, ToolResult>; branch?: Branch | null }) {
  const mine = m.role === "user";
  const text = m.text.trim();
  // A user turn that only carries tool results is shown under the tool call it answers.
  if (mine && !text && m.tool_uses.length === 0) return null;
  const at = m.timestamp ? clock(new Date(m.timestamp)) : "";
  // Messages of a branch that stopped sit on a coloured rail under their branch's header.
  const rail = branch && !branch.continued ? `border-l-2 pl-3 ${RAILS[branch.who]}` : "";
  if (mine) {
    return (
      <li class={`flex justify-end ${rail} ${m.is_sidechain ? "opacity-60" : ""}`}>
        <div class="max-w-[85%] rounded-2xl rounded-br-md bg-accent-600 px-4 py-2.5 text-[15px] text-white shadow-sm">
          <RichText text={text} />
          {at && <p class="mt-1 text-right text-[11px] text-white/70">{at}</p>}
        </div>
      </li>
    );
  }
  return (
    <li class={`flex gap-2.5 ${rail} ${m.is_sidechain ? "opacity-60" : ""}`}>
      <span class="mt-1 flex size-7 shrink-0 items-center justify-center rounded-full bg-gradient-to-br from-orange-400 to-rose-500 text-[11px] font-bold text-white" aria-hidden="true">
        C
      </span>
      <div class="min-w-0 flex-1 space-y-2">
        {text && (
          <div class="rounded-2xl rounded-tl-md bg-white px-4 py-2.5 text-[15px] shadow-sm ring-1 ring-slate-900/5 dark:bg-ink-900 dark:ring-white/5">
            <span class="sr-only">Claude : </span>
            <RichText text={text} />
          </div>
        )}
        {m.tool_uses.map((u) => (
          <ToolCard key={u.id} use={u} result={results.get(u.id)} />
        ))}
        {at && <p class="pl-1 text-[11px] text-slate-400">{at}</p>}
      </div>
    </li>
  );
}
