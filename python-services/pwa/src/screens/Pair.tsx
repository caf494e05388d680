// Pairing: the only screen reachable without a device token. A one-time code (typed, or read
// from /pair?code=... when the QR code opened the app) becomes this device's own token.
import { useState } from "preact/hooks";
import { ApiError, pair, request } from "../lib/api";
import { guessDeviceName, rememberDevice, signedOutReason } from "../lib/auth";
import { needsInstallForPush } from "../lib/push";
import { Icon } from "../ui/icons";
import { Logo } from "../ui/Layout";
import { Button, Field } from "../ui/ui";

// Why the hub refused a code (`reason` of its `invalid_pairing_code` answer), in French.
const PAIRING_REFUSED: Record<string, string> = {
  used: "Ce code a déjà servi : un code n'associe qu'un seul appareil. Demandes-en un nouveau.",
  expired: "Ce code a expiré (il vaut 5 minutes). Demandes-en un nouveau.",
  unknown: "Ce code est inconnu. Vérifie-le, ou demandes-en un nouveau.",
  malformed: "Un code a 8 lettres et chiffres, comme ABCD-EFGH.",
};

// Pairing codes use an alphabet without look-alikes (no 0/O, 1/I/L): what is typed is cleaned.
function cleanCode(value: string): string {
  return value.toUpperCase().replace(/[^A-Z0-9]/g, "").slice(0, 8);
}

export function PairScreen() {
  const params = new URLSearchParams(location.search);
  const [code, setCode] = useState(cleanCode(params.get("code") ?? ""));
  const [name, setName] = useState(guessDeviceName());
  const [token, setToken] = useState("");
  const [withToken, setWithToken] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reason = signedOutReason();
  const install = needsInstallForPush();

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (withToken) {
        const secret = token.trim();
        // Checked before it is kept: a wrong token must not look like a working pairing.
        await request("GET", "/api/sessions", {
          anonymous: true,
          headers: { Authorization: `Bearer ${secret}` },
        });
        rememberDevice({ token: secret, id: null, name: name.trim() || guessDeviceName() });
      } else {
        const answer = await pair(code, name.trim() || guessDeviceName());
        rememberDevice({ token: answer.token, id: answer.device.id, name: answer.device.name });
      }
    } catch (err) {
      const e = err as ApiError;
      if (e.network) setError("Le hub est injoignable. Vérifie la connexion et réessaie.");
      else if (withToken && (e.status === 401 || e.status === 403))
        setError("Ce jeton n'est pas valable pour l'app (il faut un jeton « full » actif).");
      else if (e.status === 429) setError("Trop d'essais. Patiente quelques minutes avant de réessayer.");
      else if (e.code === "invalid_pairing_code") setError(PAIRING_REFUSED[String(e.extra.reason)] ?? PAIRING_REFUSED.unknown);
      else setError(e.message || "L'association a échoué.");
    } finally {
      setBusy(false);
    }
  }

  const ready = withToken ? token.trim().length > 10 : code.length === 8;
  return (
    <main class="pt-safe pb-safe flex min-h-dvh items-center justify-center bg-gradient-to-b from-accent-50 to-slate-50 px-5 dark:from-ink-900 dark:to-ink-950">
      <div class="w-full max-w-sm py-10">
        <div class="mb-8 flex flex-col items-center text-center">
          <Logo class="mb-5 size-20 drop-shadow-lg" />
          <h1 class="text-2xl font-bold tracking-tight">Solo Brain</h1>
          <p class="mt-2 text-[15px] text-slate-600 dark:text-slate-400">
            Associe cet appareil à ton hub pour retrouver tes captures et tes sessions Claude Code.
          </p>
        </div>

        {reason && (
          <p role="alert" class="mb-4 flex gap-2 rounded-xl bg-amber-100 px-3 py-2.5 text-sm text-amber-900 dark:bg-amber-400/15 dark:text-amber-200">
            <Icon name="shield" class="mt-0.5 size-4 shrink-0" />
            {reason}
          </p>
        )}
        {install && (
          <p class="mb-4 flex gap-2 rounded-xl bg-sky-100 px-3 py-2.5 text-sm text-sky-900 dark:bg-sky-400/15 dark:text-sky-200">
            <Icon name="phone" class="mt-0.5 size-4 shrink-0" />
            <span>
              Sur iPhone, installe d'abord l'app : <strong>Partager</strong> puis{" "}
              <strong>Sur l'écran d'accueil</strong>. Associe-la ensuite depuis l'app installée
              (Safari et l'app ne partagent pas leurs données).
            </span>
          </p>
        )}

        <form onSubmit={submit} class="card space-y-4 p-5" aria-label="Associer cet appareil">
          {withToken ? (
            <Field key="token" label="Jeton de l'appareil" hint="Donné par « solo-brain token create --scope full ».">
              <input
                class="field font-mono text-sm"
                name="token"
                autoComplete="off"
                autoCapitalize="off"
                spellcheck={false}
                value={token}
                onInput={(e) => setToken(e.currentTarget.value)}
                placeholder="sbt_…"
              />
            </Field>
          ) : (
            <Field key="code" label="Code d'association" hint="8 caractères, valable 5 minutes, affiché par « solo-brain pair » ou par un appareil déjà associé.">
              <input
                class="field text-center font-mono text-2xl tracking-[0.35em] uppercase"
                name="code"
                inputMode="text"
                autoComplete="one-time-code"
                autoCapitalize="characters"
                spellcheck={false}
                maxLength={9}
                value={code}
                onInput={(e) => setCode(cleanCode(e.currentTarget.value))}
                placeholder="ABCD2345"
              />
            </Field>
          )}
          <Field label="Nom de cet appareil">
            <input
              class="field"
              name="device_name"
              maxLength={60}
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </Field>
          {error && (
            <p role="alert" class="text-sm font-medium text-rose-600 dark:text-rose-400">
              {error}
            </p>
          )}
          <Button type="submit" class="w-full" busy={busy} disabled={!ready}>
            Associer
          </Button>
        </form>
        <button
          type="button"
          class="mx-auto mt-5 block min-h-11 rounded-lg px-3 py-2 text-sm font-medium text-accent-600 dark:text-accent-300"
          onClick={() => {
            setWithToken(!withToken);
            setError(null);
          }}
        >
          {withToken ? "J'ai un code d'association" : "J'ai déjà un jeton"}
        </button>
      </div>
    </main>
  );
}
