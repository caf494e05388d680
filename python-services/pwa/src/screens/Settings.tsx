// Settings: this device (notifications, sign out), devices, the Siri token, the catalog,
// the agents.
import { useState } from "preact/hooks";
import { ApiError, createSiriToken, listAgents } from "../lib/api";
import { currentDevice, forgetDevice } from "../lib/auth";
import { toast, useSignal } from "../lib/bus";
import { ago } from "../lib/format";
import { outboxEntries } from "../lib/outbox";
import { disablePush, enablePush, needsInstallForPush, pushSupported, pushWanted } from "../lib/push";
import { useResource } from "../lib/resource";
import { Icon } from "../ui/icons";
import { Page } from "../ui/Layout";
import { Badge, Button, Card, ErrorNote, Section, Sheet } from "../ui/ui";
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
          {pushSupported() && !install && <Toggle checked={on} busy={busy} label="Notifications" onChange={change} />}
        </div>
        {install && (
          <p class="mt-3 rounded-xl bg-sky-50 p-3 text-sm text-sky-900 dark:bg-sky-400/10 dark:text-sky-200">
            Sur iPhone, les notifications ne marchent que dans l'app installée : Partager → Sur l'écran d'accueil.
          </p>
        )}
        {!pushSupported() && !install && <p class="mt-3 text-sm text-slate-500">Ce navigateur ne reçoit pas de notifications.</p>}
      </Card>
    </Section>
  );
}

function SiriSection() {
  const [secret, setSecret] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [missing, setMissing] = useState(false);
  const url = `${location.origin}/api/capture`;

  async function create() {
    setBusy(true);
    try {
      const answer = await createSiriToken("Siri");
      setSecret(answer.token);
    } catch (err) {
      const e = err as ApiError;
      if (e.status === 404 || e.status === 405) setMissing(true);
      else toast(e.message, "error");
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section title="Raccourci Siri" id="siri">
      <Card class="space-y-3 p-4">
        <p class="text-[15px]">
          Le raccourci « Dis-le à Solo Brain » envoie ta voix à cette adresse avec un jeton qui ne sert qu'à capturer.
        </p>
        <CopyRow label="Adresse du raccourci" value={url} />
        {missing ? (
          <p class="rounded-xl bg-slate-100 p-3 text-sm dark:bg-white/5">
            Ce hub ne crée pas encore ce jeton depuis l'app. Sur le serveur :{" "}
            <code class="font-mono">solo-brain token create --scope capture --name siri</code>
          </p>
        ) : (
          <Button variant="secondary" icon="key" busy={busy} onClick={create}>
            Créer un jeton pour Siri
          </Button>
        )}
      </Card>
      <Sheet open={secret !== null} title="Jeton du raccourci Siri" onClose={() => setSecret(null)}>
        <p class="mb-3 text-[15px] text-slate-600 dark:text-slate-300">
          Copie-le maintenant dans le raccourci (en-tête <code class="font-mono">Authorization: Bearer …</code>) : il ne sera plus
          jamais affiché.
        </p>
        {secret && <CopyRow label="Jeton" value={secret} />}
      </Sheet>
    </Section>
  );
}

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
                <p class="truncate text-[13px] text-slate-500 dark:text-slate-400">
                  {a.hostname ?? "—"} · {a.sessions} session{a.sessions > 1 ? "s" : ""} · vue {ago(a.last_seen)}
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
  return (
    <Section title="Cet appareil" id="appareil">
      <Card class="divide-y divide-slate-100 dark:divide-white/5">
        <div class="flex items-center justify-between p-4 text-[15px]">
          <span>Envois en attente</span>
          <span class="font-medium">{waiting.length}</span>
        </div>
        <div class="p-3">
          <Button
            variant="ghost"
            icon="logout"
            class="w-full text-rose-600 dark:text-rose-400"
            onClick={() => {
              if (confirm("Oublier le jeton de cet appareil ? Il faudra l'associer à nouveau.")) {
                forgetDevice("Appareil déconnecté. Associe-le à nouveau pour continuer.");
              }
            }}
          >
            Déconnecter cet appareil
          </Button>
        </div>
      </Card>
    </Section>
  );
}
