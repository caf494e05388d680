// Projects and clients: what the classifier files notes under, with the aliases it listens for.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, listClients, listProjects, request, type Client } from "../lib/api";
import { toast, useSignal } from "../lib/bus";
import { enqueue, outboxEntries, replay, type CatalogChange, type Entry } from "../lib/outbox";
import { ulid } from "../lib/ulid";
import { plural } from "../lib/format";
import { useResource } from "../lib/resource";
import { Icon } from "../ui/icons";
import { Badge, Button, Card, ErrorNote, Field, Section, Sheet, Spinner } from "../ui/ui";
import { WaitingList } from "../ui/WaitingList";

type Kind = "projects" | "clients";
interface Item {
  key: string;
  name: string;
  aliases: string[];
  domains?: string[];
  client_id?: string | null;
  captures: number;
  projects?: number;
}
const SLUG = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function slugify(name: string): string {
  return name
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
}

export function CatalogSection({ kind }: { kind: Kind }) {
  const projects = useResource("projects", listProjects);
  const clients = useResource("clients", listClients);
  const list = kind === "projects" ? projects : clients;
  const [editing, setEditing] = useState<Item | "new" | null>(null);
  const items: Item[] =
    kind === "projects"
      ? (projects.data ?? []).map((p) => ({ key: p.slug, name: p.name, aliases: p.aliases, client_id: p.client_id, captures: p.captures }))
      : (clients.data ?? []).map((c) => ({ key: c.id, name: c.name, aliases: c.aliases, domains: c.domains, captures: c.captures, projects: c.projects }));
  const title = kind === "projects" ? "Projets" : "Clients";
  const waiting = useSignal(outboxEntries).filter(
    (e): e is Extract<Entry, { kind: "catalog" }> => e.kind === "catalog" && e.payload.path.startsWith(`/api/${kind}`),
  );
  // A change that waited on the phone left: the hub has it now, so the list shows it.
  const waitingBefore = useRef(waiting.length);
  useEffect(() => {
    if (waiting.length < waitingBefore.current) void list.reload();
    waitingBefore.current = waiting.length;
  }, [waiting.length, list.reload]);
  const clientName = (id: string | null | undefined) => clients.data?.find((c) => c.id === id)?.name ?? id;

  return (
    <Section
      title={title}
      id={kind}
      action={
        <Button variant="ghost" icon="plus" class="min-h-9 px-2 text-sm" onClick={() => setEditing("new")} disabled={!list.data}>
          Ajouter
        </Button>
      }
    >
      <WaitingList
        label={`${title} : modifications en attente d'envoi`}
        entries={waiting}
        title={(e) => (e.kind === "catalog" ? e.payload.label : "")}
      />
      {list.error && !list.data && <ErrorNote error={list.error} retry={list.reload} />}
      {!list.data && list.loading && <Spinner />}
      {list.data && (
        <Card class="divide-y divide-slate-100 dark:divide-white/5">
          {items.length === 0 && (
            <p class="p-4 text-[15px] text-slate-500">
              {kind === "projects" ? "Aucun projet : les notes restent sans projet." : "Aucun client pour l'instant."}
            </p>
          )}
          {items.map((item) => (
            <button
              type="button"
              key={item.key}
              class="flex w-full items-center gap-3 p-4 text-left hover:bg-slate-50 dark:hover:bg-white/5"
              onClick={() => setEditing(item)}
              aria-label={`Modifier ${item.name}`}
            >
              <Icon name={kind === "projects" ? "folder" : "user"} class="size-5 shrink-0 text-slate-400" />
              <div class="min-w-0 flex-1">
                <p class="truncate text-[15px] font-medium">{item.name}</p>
                <p class="text-[13px] break-words text-slate-500 dark:text-slate-400">
                  <span class="font-mono text-[12px]">{item.key}</span>
                  {item.client_id ? ` · ${clientName(item.client_id)}` : ""}
                  {` · ${plural(item.captures, "capture", "captures", "aucune capture")}`}
                  {item.projects ? ` · ${plural(item.projects, "projet", "projets")}` : ""}
                </p>
                {item.aliases.length > 0 && (
                  <div class="mt-1.5 flex flex-wrap gap-1">
                    {item.aliases.map((a) => (
                      <Badge key={a}>{a}</Badge>
                    ))}
                  </div>
                )}
                {item.domains && item.domains.length > 0 && (
                  <p class="mt-1 truncate text-[13px] text-slate-500 dark:text-slate-400" title="Domaines e-mail">
                    {item.domains.map((d) => `@${d}`).join(", ")}
                  </p>
                )}
              </div>
              <Icon name="chevron" class="size-5 shrink-0 text-slate-300 dark:text-slate-600" />
            </button>
          ))}
        </Card>
      )}
      <Sheet
        open={editing !== null}
        title={editing === "new" ? (kind === "projects" ? "Nouveau projet" : "Nouveau client") : `Modifier ${editing?.name ?? ""}`}
        onClose={() => setEditing(null)}
      >
        {editing !== null && (
          <ItemForm
            kind={kind}
            item={editing === "new" ? null : editing}
            clients={clients.data ?? []}
            onDone={() => {
              setEditing(null);
              void list.reload();
            }}
          />
        )}
      </Sheet>
    </Section>
  );
}

function ItemForm({ kind, item, clients, onDone }: { kind: Kind; item: Item | null; clients: Client[]; onDone: () => void }) {
  const [name, setName] = useState(item?.name ?? "");
  const [key, setKey] = useState(item?.key ?? "");
  const [keyTouched, setKeyTouched] = useState(false);
  const [aliases, setAliases] = useState((item?.aliases ?? []).join(", "));
  const [domains, setDomains] = useState((item?.domains ?? []).join(", "));
  const [client, setClient] = useState(item?.client_id ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const slug = keyTouched || item ? key : slugify(name);
  const aliasList = aliases.split(",").map((a) => a.trim()).filter(Boolean);
  const domainList = domains
    .split(/[\s,;]+/)
    .map((d) => d.trim().toLowerCase().replace(/^.*@/, ""))
    .filter(Boolean);

  /** No answer (offline, hub down): kept in the outbox and sent as soon as the hub answers. */
  async function later(change: CatalogChange) {
    // One attempt already: this form's, whose answer may have been lost after the hub acted.
    await enqueue({ key: `cat_${ulid()}`, kind: "catalog", created_at: new Date().toISOString(), payload: change, attempts: 1 });
    void replay().catch(() => undefined);
    toast(navigator.onLine ? "Le hub ne répond pas : la modification partira dès qu'il répondra." : "Hors ligne : la modification partira au retour du réseau.", "info");
    onDone();
  }

  async function save(event: Event) {
    event.preventDefault();
    if (!SLUG.test(slug)) {
      setError("L'identifiant : minuscules, chiffres, « - », « _ » ou « . », 63 caractères au plus.");
      return;
    }
    const badDomain = domainList.find((d) => !DOMAIN.test(d));
    if (kind === "clients" && badDomain) {
      setError(`« ${badDomain} » n'est pas un domaine (par exemple acme.com).`);
      return;
    }
    setBusy(true);
    setError(null);
    const renamed = item && slug !== item.key ? slug : undefined;
    const body =
      kind === "projects"
        ? { slug: item ? renamed : slug, name: name.trim(), aliases: aliasList, client_id: client || null }
        : { id: item ? renamed : slug, name: name.trim(), aliases: aliasList, domains: domainList };
    const change: CatalogChange = item
      ? { method: "PATCH", path: `/api/${kind}/${encodeURIComponent(item.key)}`, body, label: `Modifier « ${name.trim()} »` }
      : { method: "POST", path: `/api/${kind}`, body, label: `Ajouter « ${name.trim()} »` };
    try {
      await request(change.method, change.path, { body: change.body });
      toast(item ? "Modifié." : "Ajouté.", "success");
      onDone();
    } catch (err) {
      const e = err as ApiError;
      if (e.transient) await later(change);
      else setError(e.status === 409 ? "Cet identifiant est déjà pris." : e.message);
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!item) return;
    const used = item.captures + (item.projects ?? 0);
    const warning = used
      ? `« ${item.name} » est utilisé par ${plural(item.captures, "capture", "captures")}${item.projects ? ` et ${plural(item.projects, "projet", "projets")}` : ""}, qui le perdront. Supprimer quand même ?`
      : `Supprimer « ${item.name} » ?`;
    if (!confirm(warning)) return;
    setBusy(true);
    const change: CatalogChange = {
      method: "DELETE",
      path: `/api/${kind}/${encodeURIComponent(item.key)}`,
      query: { force: used > 0 },
      label: `Supprimer « ${item.name} »`,
    };
    try {
      await request(change.method, change.path, { query: change.query });
      toast("Supprimé.", "success");
      onDone();
    } catch (err) {
      const e = err as ApiError;
      if (e.transient) await later(change);
      else setError(e.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="space-y-4" onSubmit={save}>
      <Field label="Nom">
        <input class="field" required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <Field label="Identifiant" hint={item ? "Le changer le renomme aussi dans les notes déjà rangées." : "Ce que le classifieur écrit : minuscules, sans espace."}>
        <input
          class="field font-mono"
          value={slug}
          autoCapitalize="off"
          spellcheck={false}
          onInput={(e) => {
            setKeyTouched(true);
            setKey(e.currentTarget.value);
          }}
        />
      </Field>
      <Field label="Alias" hint="Séparés par des virgules : les noms que tu dis à voix haute.">
        <input class="field" value={aliases} onInput={(e) => setAliases(e.currentTarget.value)} placeholder="imx8, vision" />
      </Field>
      {kind === "clients" && (
        <Field label="Domaines e-mail" hint="Séparés par des virgules : un rendez-vous avec quelqu'un de ces domaines est précédé d'un briefing.">
          <input
            class="field"
            value={domains}
            autoCapitalize="off"
            spellcheck={false}
            inputMode="url"
            onInput={(e) => setDomains(e.currentTarget.value)}
            placeholder="acme.com, acme.fr"
          />
        </Field>
      )}
      {kind === "projects" && (
        <Field label="Client">
          <select class="field" value={client} onChange={(e) => setClient(e.currentTarget.value)}>
            <option value="">Aucun (projet perso ou interne)</option>
            {clients.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      {error && (
        <p role="alert" class="text-sm text-rose-600 dark:text-rose-400">
          {error}
        </p>
      )}
      <div class="flex gap-2">
        {item && (
          <Button variant="secondary" icon="trash" class="text-rose-600" onClick={remove} disabled={busy}>
            Supprimer
          </Button>
        )}
        <Button type="submit" class="flex-1" busy={busy} disabled={!name.trim()}>
          Enregistrer
        </Button>
      </div>
    </form>
  );
}
