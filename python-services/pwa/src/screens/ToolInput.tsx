// A tool call's input as a person reads it: the command of a Bash call, the lines an Edit
// removes and adds, the file a Write creates with its content; anything else as JSON.
const str = (input: Record<string, unknown>, key: string) => (typeof input[key] === "string" ? (input[key] as string) : null);

function Code({ children, label, tone = "dark" }: { children: string; label?: string; tone?: "dark" | "light" }) {
  return (
    <pre
      aria-label={label}
      class={`max-h-72 overflow-auto rounded-xl p-3 font-mono text-[12.5px] leading-relaxed whitespace-pre-wrap break-words ${
        tone === "dark" ? "bg-slate-900 text-slate-100" : "bg-slate-50 text-slate-700 dark:bg-black/30 dark:text-slate-300"
      }`}
    >
      {children}
    </pre>
  );
}

/** The lines an edit takes out (−, red) and puts in (+, green). */
function Diff({ before, after }: { before: string; after: string }) {
  const lines = (text: string) => text.replace(/\n$/, "").split("\n");
  return (
    <div aria-label="Modification" class="max-h-72 overflow-auto rounded-xl border border-slate-200 font-mono text-[12.5px] leading-relaxed dark:border-white/10">
      {before &&
        lines(before).map((line, i) => (
          <div key={`-${i}`} class="bg-rose-50 px-3 whitespace-pre-wrap text-rose-900 dark:bg-rose-400/10 dark:text-rose-200">
            <span class="mr-2 select-none opacity-60">−</span>
            {line}
          </div>
        ))}
      {lines(after).map((line, i) => (
        <div key={`+${i}`} class="bg-emerald-50 px-3 whitespace-pre-wrap text-emerald-900 dark:bg-emerald-400/10 dark:text-emerald-200">
          <span class="mr-2 select-none opacity-60">+</span>
          {line}
        </div>
      ))}
    </div>
  );
}

/** A tool's input in full (never cut: the user decides on what is shown). */
export function ToolInput({ tool, input, compact }: { tool: string; input: Record<string, unknown>; compact?: boolean }) {
  const command = str(input, "command");
  const file = str(input, "file_path") ?? str(input, "notebook_path") ?? str(input, "path");
  const description = str(input, "description");
  const shown = new Set(["command", "description", "file_path", "notebook_path", "path"]);
  let body = null;
  if (command !== null) {
    body = (
      <pre aria-label={`Commande ${tool}`} class="overflow-x-auto rounded-xl bg-slate-900 p-3 font-mono text-[13px] leading-relaxed text-slate-100">
        <span class="text-emerald-400 select-none">$ </span>
        {command}
      </pre>
    );
  } else if (str(input, "new_string") !== null) {
    body = <Diff before={str(input, "old_string") ?? ""} after={str(input, "new_string") ?? ""} />;
    shown.add("old_string").add("new_string");
  } else if (str(input, "content") !== null) {
    body = <Code label={`Contenu de ${file ?? "fichier"}`} tone="light">{str(input, "content") ?? ""}</Code>;
    shown.add("content");
  }
  const rest = Object.fromEntries(Object.entries(input).filter(([k]) => !shown.has(k)));
  return (
    <div class={compact ? "space-y-2" : "mt-3 space-y-2"}>
      {description && !compact && <p class="text-sm">{description}</p>}
      {file && <p class="font-mono text-[13px] break-all">{file}</p>}
      {body}
      {Object.keys(rest).length > 0 && <Code tone="light">{JSON.stringify(rest, null, 2)}</Code>}
    </div>
  );
}
