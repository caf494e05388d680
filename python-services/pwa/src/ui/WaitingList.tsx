// What waits in the outbox, listed where it belongs (captures in the inbox, catalog changes
// in their section), with what holds it or why the hub refused it.
import { WAITING_LABELS, type Entry } from "../lib/outbox";
import { Icon } from "./icons";

export function WaitingList({ label, entries, title }: { label: string; entries: Entry[]; title: (e: Entry) => string }) {
  if (entries.length === 0) return null;
  return (
    <ul class="space-y-2" aria-label={label}>
      {entries.map((e) => (
        <li key={e.key} class="card flex items-center gap-3 border-l-4 border-amber-400 p-4">
          <Icon name={e.error ? "alert" : "refresh"} class="size-5 shrink-0 text-amber-500" />
          <div class="min-w-0 flex-1">
            <p class="line-clamp-2 text-[15px] break-words">{title(e)}</p>
            <p class="text-xs text-slate-500 dark:text-slate-400">
              {e.error ? `Refusée : ${e.error}` : `En attente d'envoi — ${WAITING_LABELS[e.waiting ?? "network"]}`}
            </p>
          </div>
        </li>
      ))}
    </ul>
  );
}
