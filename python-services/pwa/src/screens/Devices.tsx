// Devices: the paired phones and browsers, revoke one, add one with a pairing code and QR.
import { useEffect, useState } from "preact/hooks";
import { ApiError, createPairingCode, listDevices, revokeDevice, type PairingCode } from "../lib/api";
import { toast } from "../lib/bus";
import { ago } from "../lib/format";
import { useResource } from "../lib/resource";
import { Icon } from "../ui/icons";
import { Badge, Button, Card, ErrorNote, IconButton, Section, Sheet, Spinner } from "../ui/ui";
import { CopyRow } from "./Settings";

export function DevicesSection() {
  const devices = useResource("devices", listDevices);
  const [code, setCode] = useState<PairingCode | null>(null);
  const [busy, setBusy] = useState(false);

  async function add() {
    setBusy(true);
    try {
      setCode(await createPairingCode());
    } catch (err) {
      toast((err as ApiError).message, "error");
    } finally {
      setBusy(false);
    }
  }

  async function revoke(id: string, name: string) {
    if (!confirm(`Révoquer « ${name} » ? Cet appareil devra être associé à nouveau.`)) return;
    try {
      await revokeDevice(id);
      toast(`« ${name} » est révoqué.`, "success");
      await devices.reload();
    } catch (err) {
      toast((err as ApiError).message, "error");
    }
  }

  return (
    <Section
      title="Appareils"
      id="appareils"
      action={
        <Button variant="ghost" icon="plus" class="min-h-9 px-2 text-sm" busy={busy} onClick={add}>
          Ajouter
        </Button>
      }
    >
      {devices.error && !devices.data && <ErrorNote error={devices.error} retry={devices.reload} />}
      {!devices.data && devices.loading && <Spinner />}
      {devices.data && (
        <Card class="divide-y divide-slate-100 dark:divide-white/5">
          {devices.data.map((d) => (
            <div key={d.id} class="flex items-center gap-3 p-4">
              <Icon name={d.paired ? "phone" : "key"} class="size-5 shrink-0 text-slate-400" />
              <div class="min-w-0 flex-1">
                <p class="flex items-center gap-2 text-[15px] font-medium">
                  <span class="truncate">{d.name}</span>
                  {d.current && <Badge tone="accent">cet appareil</Badge>}
                  {d.push && <Icon name="bell" class="size-3.5 shrink-0 text-slate-400" label="Notifications activées" />}
                </p>
                <p class="text-[13px] text-slate-500 dark:text-slate-400">
                  {d.paired ? "Associé" : "Jeton créé en ligne de commande"} {ago(d.created_at)} · utilisé{" "}
                  {d.last_used_at ? ago(d.last_used_at) : "jamais"}
                </p>
              </div>
              {!d.current && <IconButton icon="trash" label={`Révoquer ${d.name}`} onClick={() => revoke(d.id, d.name)} class="text-rose-600" />}
            </div>
          ))}
        </Card>
      )}
      <Sheet open={code !== null} title="Ajouter un appareil" onClose={() => setCode(null)}>
        {code && <PairingCodeView code={code} />}
      </Sheet>
    </Section>
  );
}

function PairingCodeView({ code }: { code: PairingCode }) {
  const url = code.url;
  const [qr, setQr] = useState<string | null>(null);
  const [left, setLeft] = useState(0);

  useEffect(() => {
    // The QR code library is loaded only here, so that it costs nothing on first load.
    void import("./qr").then((m) => setQr(m.qrSvgPath(url)));
  }, [url]);
  useEffect(() => {
    const tick = () => setLeft(Math.max(0, Math.round((new Date(code.expires_at).getTime() - Date.now()) / 1000)));
    tick();
    const t = setInterval(tick, 1000);
    return () => clearInterval(t);
  }, [code.expires_at]);

  return (
    <div class="space-y-4 text-center">
      <p class="text-[15px] text-slate-600 dark:text-slate-300">
        Scanne ce QR code avec le nouvel appareil, ou tape le code dans son écran d'association.
      </p>
      <div class="mx-auto w-56 rounded-2xl bg-white p-3 shadow-inner ring-1 ring-slate-200">
        {qr ? (
          <svg viewBox={qr.split("|")[0]} class="w-full" role="img" aria-label="QR code d'association" shape-rendering="crispEdges">
            <path d={qr.split("|")[1]} fill="#0b1020" />
          </svg>
        ) : (
          <div class="flex aspect-square items-center justify-center">
            <Spinner />
          </div>
        )}
      </div>
      <p class="font-mono text-3xl font-bold tracking-[0.2em]" aria-label={`Code ${code.code.replace("-", "").split("").join(" ")}`} data-code={code.code}>
        {code.code}
      </p>
      <p class={`text-sm ${left ? "text-slate-500" : "font-semibold text-rose-600"}`} aria-live="polite">
        {left ? `Valable encore ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}, une seule fois` : "Code expiré : crée-en un autre."}
      </p>
      <div class="text-left">
        <CopyRow label="Lien d'association" value={url} />
      </div>
      <p class="text-left text-[13px] text-slate-500 dark:text-slate-400">
        iPhone : le lien ouvre Safari ; installe l'app (Partager → Sur l'écran d'accueil) puis tape le code dans l'app installée.
      </p>
    </div>
  );
}
