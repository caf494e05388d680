// Settings: this device (notifications, sign out), devices, the Siri token, the catalog,
// the agents.
import { useState } from "preact/hooks";
import {
  ApiError,
  createSiriToken,
  listAgents,
  listDevices,
  listSiriTokens,
  revokeDevice,
  revokeSiriToken,
  type NewCaptureToken,
} from "../lib/api";
import { currentDevice, forgetDevice } from "../lib/auth";
import { toast, useSignal } from "../lib/bus";
import { ago } from "../lib/format";
import { outboxEntries } from "../lib/outbox";
import { disablePush, enablePush, needsInstallForPush, pushSupported, pushWanted } from "../lib/push";
import { useResource } from "../lib/resource";
import { Icon } from "../ui/icons";
import { Page } from "../ui/Layout";
import { Badge, Button, Card, ErrorNote, Field, IconButton, Section, Sheet, Spinner } from "../ui/ui";
import { CatalogSection } from "./Catalog";
import { DevicesSection } from "./Devices";

export function SettingsScreen() {
  const device = currentDevice();
  return (
    <Page title="Réglages" subtitle={device ? `Cet appareil : ${device.name}` : undefined}>
      <div class="space-y-8">
        <NotificationsSection />
        <DevicesSection />
        <SiriSection />
        <CatalogSection kind="projects" />
        <CatalogSection kind="clients" />
        <AgentsSection />
        <AboutSection />
      </div>
    </Page>
  );
}

function Toggle({ checked, label, busy, onChange }: { checked: boolean; label: string; busy?: boolean; onChange: (v: boolean) => void }) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked ? "true" : "false"}
      aria-label={label}
      disabled={busy}
      onClick={() => onChange(!checked)}
      class={`relative h-8 w-[52px] shrink-0 rounded-full transition-colors disabled:opacity-60 ${checked ? "bg-emerald-500" : "bg-slate-300 dark:bg-white/20"}`}
    >
      <span class={`absolute top-1 left-1 size-6 rounded-full bg-white shadow transition-transform ${checked ? "translate-x-5" : ""}`} />
    </button>
  );
}

function NotificationsSection() {
  const [on, setOn] = useState(pushWanted() && pushSupported() && Notification.permission === "granted");
  const [busy, setBusy] = useState(false);
  // Refused once, the browser never asks again: only its own settings can undo it.
  const [blocked, setBlocked] = useState(pushSupported() && Notification.permission === "denied");
  const install = needsInstallForPush();

  async function change(value: boolean) {
    setBusy(true);
    try {
      if (value) await enablePush();
      else await disablePush();
      setOn(value);
      toast(value ? "Notifications activées." : "Notifications désactivées.", "success");
    } catch (err) {
      toast((err as ApiError).message, "error");
      setBlocked(pushSupported() && Notification.permission === "denied");
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section title="Notifications" id="notifications">
      <Card class="p-4">
        <div class="flex items-center gap-3">
          <span class="flex size-10 shrink-0 items-center justify-center rounded-xl bg-rose-100 text-rose-600 dark:bg-rose-400/15 dark:text-rose-300">
            <Icon name="bell" />
          </span>
          <div class="min-w-0 flex-1">
            <p class="text-[15px] font-medium">Notifications sur cet appareil</p>
            <p class="text-[13px] text-slate-500 dark:text-slate-400">Permissions à décider, prompts terminés, captures rangées.</p>
          </div>
          {pushSupported() && !install && <Toggle checked={on} busy={busy || blocked} label="Notifications" onChange={change} />}
        </div>
        {install && (
          <p class="mt-3 rounded-xl bg-sky-50 p-3 text-sm text-sky-900 dark:bg-sky-400/10 dark:text-sky-200">
            Sur iPhone, les notifications ne marchent que dans l'app installée : Partager → Sur l'écran d'accueil.
          </p>
        )}
        {!pushSupported() && !install && <p class="mt-3 text-sm text-slate-500">Ce navigateur ne reçoit pas de notifications.</p>}
        {blocked && !install && (
          <p class="mt-3 rounded-xl bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-400/10 dark:text-amber-200">
            Les notifications sont bloquées pour cette app : autorise-les dans les réglages du téléphone (ou du
            navigateur), puis reviens ici.
          </p>
        )}
      </Card>
    </Section>
  );
}

function SiriSection() {
  const tokens = useResource("siri-tokens", listSiriTokens);
  const [made, setMade] = useState<NewCaptureToken | null>(null);
  const [asking, setAsking] = useState(false);
  const [name, setName] = useState("Siri");
  const [busy, setBusy] = useState(false);

  async function create(event: Event) {
    event.preventDefault();
    setBusy(true);
    try {
      setMade(await createSiriToken(name.trim() || "Siri"));
      setAsking(false);
      void tokens.reload();
    } catch (err) {
      toast((err as ApiError).message, "error");
    } finally {
      setBusy(false);
    }
  }

  async function revoke(id: string, label: string) {
    if (!confirm(`Révoquer le jeton « ${label} » ? Le raccourci qui l'utilise ne pourra plus capturer.`)) return;
    try {
      await revokeSiriToken(id);
      toast(`Jeton « ${label} » révoqué.`, "success");
      await tokens.reload();
    } catch (err) {
      toast((err as ApiError).message, "error");
    }
  }

  return (
    <Section
      title="Raccourci Siri"
      id="siri"
      action={
        <Button variant="ghost" icon="plus" class="min-h-9 px-2 text-sm" onClick={() => setAsking(true)}>
          Nouveau jeton
        </Button>
      }
    >
      <Card class="divide-y divide-slate-100 dark:divide-white/5">
        <div class="space-y-3 p-4">
          <p class="text-[15px] text-slate-600 dark:text-slate-300">
            « Dis Siri, note » envoie ta voix au hub avec un jeton qui ne sert qu'à capturer. Si le téléphone est perdu,
            révoque-le ici : rien d'autre n'est exposé.
          </p>
          <CopyRow label="Adresse du raccourci" value={made?.capture_url ?? `${location.origin}/api/capture`} />
        </div>
        {tokens.error && !tokens.data && (
          <div class="p-3">
            <ErrorNote error={tokens.error} retry={tokens.reload} />
          </div>
        )}
        {!tokens.data && tokens.loading && (
          <div class="p-4">
            <Spinner />
          </div>
        )}
        {tokens.data?.length === 0 && (
          <div class="flex items-center gap-3 p-4">
            <p class="flex-1 text-[15px] text-slate-500">Aucun jeton de capture pour l'instant.</p>
            <Button variant="secondary" icon="key" onClick={() => setAsking(true)}>
              Créer
            </Button>
          </div>
        )}
        {tokens.data?.map((t) => (
          <div key={t.id} class="flex items-center gap-3 p-4">
            <Icon name="key" class="size-5 shrink-0 text-slate-400" />
            <div class="min-w-0 flex-1">
              <p class="truncate text-[15px] font-medium">{t.name}</p>
              <p class="truncate text-[13px] text-slate-500 dark:text-slate-400">
                Créé {ago(t.created_at)} · {t.last_used_at ? `dernière capture ${ago(t.last_used_at)}` : "jamais utilisé"}
              </p>
            </div>
            <IconButton icon="trash" label={`Révoquer le jeton ${t.name}`} onClick={() => revoke(t.id, t.name)} class="text-rose-600" />
          </div>
        ))}
      </Card>
      <Sheet open={asking} title="Nouveau jeton de capture" onClose={() => setAsking(false)}>
        <form class="space-y-4" onSubmit={create}>
          <Field label="Nom du jeton" hint="Pour le reconnaître ici : « Siri », « Siri iPad », « CarPlay »…">
            <input class="field" maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </Field>
          <Button type="submit" class="w-full" icon="key" busy={busy} disabled={!name.trim()}>
            Créer le jeton
          </Button>
        </form>
      </Sheet>
      <Sheet open={made !== null} title="Jeton du raccourci Siri" onClose={() => setMade(null)}>
        {made && (
          <div class="space-y-4">
            <p class="flex gap-2 rounded-xl bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-400/10 dark:text-amber-200">
              <Icon name="alert" class="mt-0.5 size-4 shrink-0" />
              Copie-le maintenant : il ne sera plus jamais affiché (le hub n'en garde qu'une empreinte).
            </p>
            <CopyRow label="Jeton" value={made.token} />
            <CopyRow label="Adresse du raccourci" value={made.capture_url} />
            <ol class="list-decimal space-y-1.5 pl-5 text-[14px] text-slate-600 dark:text-slate-300">
              <li>Dans Raccourcis, crée « Note » : <strong>Dicter le texte</strong>, puis <strong>Obtenir le contenu de l'URL</strong>.</li>
              <li>
                URL : l'adresse ci-dessus, méthode <strong>POST</strong>, corps <strong>Formulaire</strong> avec ces champs (texte) :
                <dl aria-label="Champs du formulaire" class="mt-1 space-y-0.5">
                  {SHORTCUT_FIELDS.map(([field, value]) => (
                    <div key={field} class="flex gap-1.5">
                      <dt>
                        <code class="font-mono">{field}</code> =
                      </dt>
                      <dd data-field={field}>{value === DICTATED ? <em>{value}</em> : <code class="font-mono">{value}</code>}</dd>
                    </div>
                  ))}
                </dl>
              </li>
              <li>
                En-tête <code class="font-mono">Authorization</code> : <code class="font-mono">Bearer</code>, une espace, puis le jeton.
              </li>
              <li>
                <strong>Lire le texte</strong> : la valeur <code class="font-mono">speech</code> de la réponse.
              </li>
            </ol>
          </div>
        )}
      </Sheet>
    </Section>
  );
}

const DICTATED = "texte dicté";
/** The Shortcut's form fields, as docs/siri-shortcut.md gives them: the dictated text, sent as text
 * (`mode=text`: the server does not transcribe it) from Siri (`channel=siri`). */
const SHORTCUT_FIELDS: [string, string][] = [
  ["text", DICTATED],
  ["mode", "text"],
  ["channel", "siri"],
];

export function CopyRow({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div>
      <p class="mb-1 text-xs font-medium text-slate-500 dark:text-slate-400">{label}</p>
      <div class="flex items-center gap-2 rounded-xl bg-slate-100 p-1 pl-3 dark:bg-white/5">
        <code class="min-w-0 flex-1 truncate font-mono text-[13px]" title={value}>
          {value}
        </code>
        <Button
          variant="ghost"
          icon={copied ? "check" : "copy"}
          class="min-h-9 px-3"
          aria-label={`Copier : ${label}`}
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(value);
              setCopied(true);
              setTimeout(() => setCopied(false), 2000);
            } catch {
              toast("Copie impossible : sélectionne le texte à la main.", "error");
            }
          }}
        >
          {copied ? "Copié" : "Copier"}
        </Button>
      </div>
    </div>
  );
}

function AgentsSection() {
  const agents = useResource("agents", listAgents);
  return (
    <Section title="Machines (agents)" id="agents">
      {agents.error && !agents.data && <ErrorNote error={agents.error} retry={agents.reload} />}
      {agents.data && (
        <Card class="divide-y divide-slate-100 dark:divide-white/5">
          {agents.data.length === 0 && <p class="p-4 text-[15px] text-slate-500">Aucune machine n'est encore venue.</p>}
          {agents.data.map((a) => (
            <div key={a.id} class="flex items-center gap-3 p-4">
              <Icon name="server" class="size-5 text-slate-400" />
              <div class="min-w-0 flex-1">
                <p class="truncate text-[15px] font-medium">{a.name}</p>
                <p class="text-[13px] break-words text-slate-500 dark:text-slate-400">
                  {a.hostname ?? "—"} · {a.sessions} session{a.sessions > 1 ? "s" : ""} · {a.online ? "connectée" : "vue"} {ago(a.last_seen)}
                </p>
              </div>
              <Badge tone={a.online ? "green" : "neutral"}>{a.online ? "En ligne" : "Hors ligne"}</Badge>
            </div>
          ))}
        </Card>
      )}
    </Section>
  );
}

function AboutSection() {
  const waiting = useSignal(outboxEntries);
  const [busy, setBusy] = useState(false);

  async function signOut() {
    if (!confirm("Déconnecter cet appareil ? Son jeton est révoqué sur le hub ; il faudra l'associer à nouveau.")) return;
    setBusy(true);
    try {
      // Revoked on the hub, not only forgotten here: a copied token must not outlive the sign-out.
      const me = (await listDevices()).find((d) => d.current);
      if (me) await revokeDevice(me.id);
      forgetDevice("Appareil déconnecté. Associe-le à nouveau pour continuer.");
    } catch (err) {
      const e = err as ApiError;
      if (e.status === 401) return; // already revoked: the app is back on pairing
      toast(e.network ? "Hors ligne : reconnecte-toi pour révoquer le jeton de cet appareil." : e.message, "error");
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section title="Cet appareil" id="appareil">
      <Card class="divide-y divide-slate-100 dark:divide-white/5">
        <div class="flex items-center justify-between p-4 text-[15px]">
          <span>Envois en attente</span>
          <span class="font-medium" data-testid="outbox-count">
            {waiting.length}
          </span>
        </div>
        <div class="p-3">
          <Button variant="ghost" icon="logout" class="w-full text-rose-600 dark:text-rose-400" busy={busy} onClick={signOut}>
            Déconnecter cet appareil
          </Button>
        </div>
      </Card>
    </Section>
  );
}
