// The inbox (home): the latest captures, filtered and searched, with what is still pending.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import {
  STORED_CATEGORIES,
  PENDING_STATUSES,
  STATUS_FILTERS,
  listCaptures,
  listClients,
  listProjects,
  type CaptureDetail,
  type CaptureFilters,
  type CaptureSummary,
} from "../lib/api";
import { useSignal } from "../lib/bus";
import {
  CATEGORY_LABELS,
  CATEGORY_TONES,
  CHANNEL_LABELS,
  STATUS_FILTER_LABELS,
  STATUS_LABELS,
  ago,
  due,
  frenchSpaces,
  plural,
} from "../lib/format";
import { outboxEntries, type Entry } from "../lib/outbox";
import { useResource } from "../lib/resource";
import { linkClick, navigate } from "../lib/router";
import { Icon } from "../ui/icons";
import { Page } from "../ui/Layout";
import { Badge, Button, EmptyState, ErrorNote, Spinner, StaleNote } from "../ui/ui";
import { WaitingList } from "../ui/WaitingList";

const FILTER_KEYS = ["q", "category", "project", "client", "status"] as const;
type Filters = Partial<Record<(typeof FILTER_KEYS)[number], string>>;

function readFilters(): Filters {
  const params = new URLSearchParams(location.search);
  const out: Filters = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v) out[k] = v;
  }
  return out;
}

type Tone = "amber" | "red" | "green" | "neutral";
type Shown = Pick<CaptureSummary, "status" | "needs_review"> & {
  deliveries: CaptureSummary["deliveries"] | CaptureDetail["deliveries"];
};

/** How many of a capture's deliveries are in `state`, from the list's counts or the detail's rows. */
export function deliveriesIn(capture: Shown, state: string): number {
  const d = capture.deliveries;
  return Array.isArray(d) ? d.filter((x) => x.state === state).length : (d[state] ?? 0);
}

/** What a capture's badge says: pending, failed, to review, a failed delivery; nothing when filed. */
export function captureState(capture: Shown): { label: string; tone: Tone; icon?: "alert" | "refresh" } | null {
  if (capture.status === "failed") return { label: "Échec", tone: "red", icon: "alert" };
  if (PENDING_STATUSES.includes(capture.status)) return { label: STATUS_LABELS[capture.status], tone: "amber", icon: "refresh" };
  if (deliveriesIn(capture, "failed") > 0) return { label: "Envoi en échec", tone: "red", icon: "alert" };
  if (capture.needs_review) return { label: "À vérifier", tone: "amber" };
  return null;
}

export function StatusBadge({ capture }: { capture: Shown }) {
  const state = captureState(capture);
  if (!state) return null;
  return (
    <Badge tone={state.tone} icon={state.icon}>
      {state.label}
    </Badge>
  );
}

export function CategoryLabel({ category }: { category: CaptureSummary["category"] }) {
  return (
    <span class="inline-flex shrink-0 items-center gap-1.5 text-[13px] font-semibold whitespace-nowrap text-slate-700 dark:text-slate-200">
      <span class={`size-2 rounded-full ${category ? CATEGORY_TONES[category] : "bg-slate-300"}`} aria-hidden="true" />
      {category ? CATEGORY_LABELS[category] : "Non classée"}
    </span>
  );
}

export function InboxScreen() {
  const [filters, setFilters] = useState<Filters>(readFilters);
  const [search, setSearch] = useState(filters.q ?? "");
  const [more, setMore] = useState<CaptureSummary[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const queued = useSignal(outboxEntries).filter((e): e is Extract<Entry, { kind: "capture" }> => e.kind === "capture");

  const key = `captures:${JSON.stringify(filters)}`;
  const page = useResource(key, () => listCaptures({ ...(filters as CaptureFilters), limit: 30 }));
  const projects = useResource("projects", listProjects);
  const clients = useResource("clients", listClients);

  useEffect(() => {
    setMore([]);
    setNext(page.data?.next_before ?? null);
  }, [page.data]);

  // A capture that waited on the phone left: the hub has it now, so the list shows it.
  const waitingBefore = useRef(queued.length);
  useEffect(() => {
    if (queued.length < waitingBefore.current) void page.reload();
    waitingBefore.current = queued.length;
  }, [queued.length, page.reload]);

  // The search box waits for a pause in typing; the filters live in the URL (back button, links).
  useEffect(() => {
    const t = setTimeout(() => update("q", search.trim()), 300);
    return () => clearTimeout(t);
  }, [search]);

  function update(name: keyof Filters, value: string) {
    setFilters((current) => {
      if ((current[name] ?? "") === value) return current;
      const nextFilters = { ...current, [name]: value || undefined };
      const params = new URLSearchParams();
      for (const k of FILTER_KEYS) if (nextFilters[k]) params.set(k, nextFilters[k] as string);
      history.replaceState(null, "", params.size ? `/?${params}` : "/");
      return nextFilters;
    });
  }

  async function loadMore() {
    if (!next) return;
    setLoadingMore(true);
    try {
      const answer = await listCaptures({ ...(filters as CaptureFilters), before: next, limit: 30 });
      setMore((m) => [...m, ...answer.captures]);
      setNext(answer.next_before);
    } finally {
      setLoadingMore(false);
    }
  }

  const captures = useMemo(() => [...(page.data?.captures ?? []), ...more], [page.data, more]);
  const filtered = FILTER_KEYS.some((k) => filters[k]);
  const projectNames = useMemo(() => new Map((projects.data ?? []).map((p) => [p.slug, p.name])), [projects.data]);
  const clientNames = useMemo(() => new Map((clients.data ?? []).map((c) => [c.id, c.name])), [clients.data]);

  return (
    <Page
      title="Boîte de réception"
      actions={
        <Button variant="ghost" icon="plus" class="px-3" onClick={() => navigate("/capture")} aria-label="Nouvelle capture">
          <span class="hidden sm:inline">Capturer</span>
        </Button>
      }
    >
      <div class="space-y-3">
        <label class="relative block">
          <span class="sr-only">Rechercher dans les captures</span>
          <Icon name="search" class="pointer-events-none absolute top-1/2 left-3 size-[18px] -translate-y-1/2 text-slate-400" />
          <input
            type="search"
            class="field pl-10"
            placeholder="Rechercher (transcription, actions…)"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
            enterKeyHint="search"
          />
        </label>
        <div class="-mx-4 -mt-1 flex gap-2 overflow-x-auto px-4 pt-1 pb-1 [scrollbar-width:none]" role="group" aria-label="Filtres">
          <FilterChip
            label="Catégorie"
            value={filters.category}
            options={STORED_CATEGORIES.map((c) => [c, CATEGORY_LABELS[c]])}
            onChange={(v) => update("category", v)}
          />
          <FilterChip
            label="Statut"
            value={filters.status}
            options={STATUS_FILTERS.map((s) => [s, STATUS_FILTER_LABELS[s]] as [string, string])}
            onChange={(v) => update("status", v)}
          />
          {projects.data && projects.data.length > 0 && (
            <FilterChip
              label="Projet"
              value={filters.project}
              options={projects.data.map((p) => [p.slug, p.name])}
              onChange={(v) => update("project", v)}
            />
          )}
          {clients.data && clients.data.length > 0 && (
            <FilterChip
              label="Client"
              value={filters.client}
              options={clients.data.map((c) => [c.id, c.name])}
              onChange={(v) => update("client", v)}
            />
          )}
        </div>

        <WaitingList
          label="Captures en attente d'envoi"
          entries={queued}
          title={(e) => (e.kind === "capture" ? (e.payload.text ?? "Note vocale") : "")}
        />

        <StaleNote since={page.staleSince} error={page.data ? page.error : null} />

        {page.data === undefined && page.loading && <SkeletonList />}
        {page.data === undefined && page.error && <ErrorNote error={page.error} retry={page.reload} />}
        {page.data && captures.length === 0 && (
          <EmptyState icon={filtered ? "filter" : "inbox"} title={filtered ? "Aucune capture ne correspond" : "Rien dans la boîte pour l'instant"}>
            {filtered ? (
              "Essaie d'autres filtres ou une autre recherche."
            ) : (
              <>
                Dicte une idée à Siri, envoie un message WhatsApp ou capture-la ici.
                <div class="mt-4">
                  <Button icon="mic" onClick={() => navigate("/capture")}>
                    Capturer une idée
                  </Button>
                </div>
              </>
            )}
          </EmptyState>
        )}
        {captures.length > 0 && (
          <ul class="space-y-2.5" aria-label="Captures">
            {captures.map((c) => (
              <CaptureRow key={c.capture_id} capture={c} projects={projectNames} clients={clientNames} />
            ))}
          </ul>
        )}
        {next && (
          <div class="flex justify-center pt-2">
            <Button variant="secondary" busy={loadingMore} onClick={loadMore}>
              Plus anciennes
            </Button>
          </div>
        )}
      </div>
    </Page>
  );
}

function FilterChip({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: string | undefined;
  options: [string, string][];
  onChange: (v: string) => void;
}) {
  const selected = options.find(([v]) => v === value);
  return (
    <label
      class={`relative inline-flex h-9 shrink-0 items-center gap-1 rounded-full border px-3.5 text-sm font-medium ${
        selected
          ? "border-accent-600 bg-accent-600 text-white"
          : "border-slate-300 bg-white text-slate-700 dark:border-ink-700 dark:bg-ink-900 dark:text-slate-200"
      }`}
    >
      <span>{selected ? selected[1] : label}</span>
      <Icon name="down" class="size-4 opacity-70" />
      {/* 44 px tall to the finger, while the chip itself looks 36 px. */}
      <select
        class="absolute inset-x-0 -inset-y-[5px] cursor-pointer opacity-0"
        aria-label={label}
        value={value ?? ""}
        onChange={(e) => onChange(e.currentTarget.value)}
      >
        <option value="">{`${label} : toutes`}</option>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

function CaptureRow({ capture: c, projects, clients }: { capture: CaptureSummary; projects: Map<string, string>; clients: Map<string, string> }) {
  const href = `/captures/${encodeURIComponent(c.capture_id)}`;
  const text =
    frenchSpaces(c.summary || c.excerpt || "") ||
    (c.mode === "voice" ? (c.status === "failed" ? "Note vocale non transcrite" : "Note vocale (transcription en attente)") : "—");
  const dated = c.actions.filter((a) => a.due && !a.done).sort((a, b) => (a.due ?? "").localeCompare(b.due ?? ""));
  return (
    <li>
      <a href={href} onClick={(e) => linkClick(e, href)} class="card block p-4 transition-transform active:scale-[0.99]">
        <div class="flex items-center gap-2">
          <CategoryLabel category={c.category} />
          <StatusBadge capture={c} />
          <span class="ml-auto flex shrink-0 items-center gap-1 text-xs whitespace-nowrap text-slate-500 dark:text-slate-400">
            {c.mode === "voice" && <Icon name="mic" class="size-3.5" label="Note vocale" />}
            <time dateTime={c.created_at}>{ago(c.created_at)}</time>
          </span>
        </div>
        <p class="mt-1.5 line-clamp-2 text-[15px] leading-snug">{text}</p>
        <div class="mt-2 flex flex-wrap items-center gap-1.5 empty:hidden">
          {c.project && <Badge icon="folder">{projects.get(c.project) ?? c.project}</Badge>}
          {c.client_id && <Badge tone="sky" icon="user">{clients.get(c.client_id) ?? c.client_id}</Badge>}
          {c.actions.length > 0 && (
            <Badge tone="accent" icon="check">
              {plural(c.actions.length, "action", "actions")}
            </Badge>
          )}
          {dated[0] && (
            <Badge tone="amber" icon="calendar">
              {due(dated[0].due)}
            </Badge>
          )}
          {c.channel && <span class="text-xs text-slate-400">{CHANNEL_LABELS[c.channel] ?? c.channel}</span>}
        </div>
      </a>
    </li>
  );
}

function SkeletonList() {
  return (
    <div class="space-y-2.5" aria-busy="true">
      <span class="sr-only">
        <Spinner /> Chargement des captures
      </span>
      {[0, 1, 2, 3].map((i) => (
        <div key={i} class="card animate-pulse space-y-3 p-4">
          <div class="h-3 w-28 rounded bg-slate-200 dark:bg-white/10" />
          <div class="h-3 w-full rounded bg-slate-200 dark:bg-white/10" />
          <div class="h-3 w-2/3 rounded bg-slate-200 dark:bg-white/10" />
        </div>
      ))}
    </div>
  );
}
