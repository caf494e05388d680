// The app's building blocks: buttons, badges, cards, notes, a modal sheet and the toasts.
import type { ButtonHTMLAttributes, ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { ApiError } from "../lib/api";
import { dismissToast, toasts, useSignal } from "../lib/bus";
import { clock } from "../lib/format";
import { Icon, type IconName } from "./icons";

type Variant = "primary" | "secondary" | "ghost" | "danger" | "success";
const VARIANTS: Record<Variant, string> = {
  primary:
    "bg-accent-600 text-white shadow-sm hover:bg-accent-700 active:bg-accent-700 disabled:bg-accent-600/50",
  secondary:
    "bg-slate-900/5 text-slate-900 hover:bg-slate-900/10 dark:bg-white/10 dark:text-slate-100 dark:hover:bg-white/15",
  ghost: "text-accent-600 hover:bg-accent-50 dark:text-accent-300 dark:hover:bg-white/5",
  danger: "bg-rose-600 text-white hover:bg-rose-700 disabled:bg-rose-600/50",
  success: "bg-emerald-600 text-white hover:bg-emerald-700 disabled:bg-emerald-600/50",
};

export function Button({
  variant = "primary",
  icon,
  busy,
  class: cls = "",
  children,
  ...rest
}: {
  variant?: Variant;
  icon?: IconName;
  busy?: boolean;
  class?: string;
  children?: ComponentChildren;
} & ButtonHTMLAttributes<HTMLButtonElement>) {
  return (
    <button
      type="button"
      class={`inline-flex min-h-11 items-center justify-center gap-2 rounded-xl px-4 text-[15px] font-semibold transition-colors disabled:cursor-not-allowed disabled:opacity-60 ${VARIANTS[variant]} ${cls}`}
      disabled={busy || rest.disabled}
      aria-busy={busy ? "true" : undefined}
      {...rest}
    >
      {busy ? <Spinner /> : icon ? <Icon name={icon} class="size-[18px]" /> : null}
      {children}
    </button>
  );
}

export function IconButton({
  icon,
  label,
  class: cls = "",
  ...rest
}: { icon: IconName; label: string; class?: string } & ButtonHTMLAttributes<HTMLButtonElement>) {
  return (
    <button
      type="button"
      aria-label={label}
      title={label}
      class={`inline-flex size-11 shrink-0 items-center justify-center rounded-full text-slate-600 hover:bg-slate-900/5 dark:text-slate-300 dark:hover:bg-white/10 ${cls}`}
      {...rest}
    >
      <Icon name={icon} />
    </button>
  );
}

export function Spinner({ class: cls = "size-4" }: { class?: string }) {
  return (
    <span
      class={`inline-block animate-spin rounded-full border-2 border-current border-r-transparent ${cls}`}
      role="status"
      aria-label="Chargement"
    />
  );
}

type Tone = "neutral" | "accent" | "amber" | "green" | "red" | "sky";
const TONES: Record<Tone, string> = {
  neutral: "bg-slate-900/5 text-slate-700 dark:bg-white/10 dark:text-slate-300",
  accent: "bg-accent-100 text-accent-700 dark:bg-accent-500/20 dark:text-accent-300",
  amber: "bg-amber-100 text-amber-800 dark:bg-amber-400/15 dark:text-amber-300",
  green: "bg-emerald-100 text-emerald-800 dark:bg-emerald-400/15 dark:text-emerald-300",
  red: "bg-rose-100 text-rose-800 dark:bg-rose-400/15 dark:text-rose-300",
  sky: "bg-sky-100 text-sky-800 dark:bg-sky-400/15 dark:text-sky-300",
};

export function Badge({
  tone = "neutral",
  icon,
  children,
  class: cls = "",
}: {
  tone?: Tone;
  icon?: IconName;
  children: ComponentChildren;
  class?: string;
}) {
  return (
    <span
      class={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ${TONES[tone]} ${cls}`}
    >
      {icon && <Icon name={icon} class="size-3.5" />}
      {children}
    </span>
  );
}

export function Card({ children, class: cls = "" }: { children: ComponentChildren; class?: string }) {
  return <div class={`card ${cls}`}>{children}</div>;
}

export function Section({
  title,
  action,
  children,
  id,
}: {
  title: string;
  action?: ComponentChildren;
  children: ComponentChildren;
  id?: string;
}) {
  return (
    <section class="space-y-2" aria-labelledby={id}>
      <div class="flex min-h-8 items-center justify-between px-1">
        <h2 id={id} class="text-[13px] font-semibold tracking-wide text-slate-500 uppercase dark:text-slate-400">
          {title}
        </h2>
        {action}
      </div>
      {children}
    </section>
  );
}

export function EmptyState({
  icon,
  title,
  children,
}: {
  icon: IconName;
  title: string;
  children?: ComponentChildren;
}) {
  return (
    <div class="flex flex-col items-center px-6 py-14 text-center">
      <div class="mb-4 flex size-16 items-center justify-center rounded-2xl bg-accent-50 text-accent-600 dark:bg-accent-500/15 dark:text-accent-300">
        <Icon name={icon} class="size-8" />
      </div>
      <h3 class="text-lg font-semibold">{title}</h3>
      <div class="mt-1 max-w-sm text-[15px] text-slate-500 dark:text-slate-400">{children}</div>
    </div>
  );
}

/** Says plainly that what is shown is not fresh, and since when. */
export function StaleNote({ since, error }: { since: number | null; error: ApiError | null }) {
  if (!error) return null;
  // The phone online but no answer: it is the hub that is down, not the network.
  const what = error.network ? (navigator.onLine ? "Hub injoignable" : "Hors ligne") : error.message;
  return (
    <div
      role="status"
      class="flex items-center gap-2 rounded-xl bg-amber-100 px-3 py-2 text-sm text-amber-900 dark:bg-amber-400/15 dark:text-amber-200"
    >
      <Icon name="offline" class="size-4 shrink-0" />
      <span>
        {what}
        {since ? ` — affichage des données de ${clock(since)}` : ""}
      </span>
    </div>
  );
}

export function ErrorNote({ error, retry }: { error: ApiError; retry?: () => void }) {
  // A route this hub lacks (older hub) is not a thing that was deleted.
  const missing = error.status === 405 || (error.status === 404 && error.extra.detail === "Not Found");
  const gone = error.status === 404 && !missing;
  return (
    <Card class="p-5">
      <div class="flex gap-3">
        <div class="flex size-10 shrink-0 items-center justify-center rounded-full bg-rose-100 text-rose-700 dark:bg-rose-400/15 dark:text-rose-300">
          <Icon name={error.network ? "offline" : "alert"} />
        </div>
        <div class="min-w-0 flex-1">
          <p class="font-semibold">
            {error.network
              ? "Le hub est injoignable"
              : missing
                ? "Pas encore disponible sur ce hub"
                : gone
                  ? "Introuvable"
                  : "Le hub a refusé"}
          </p>
          <p class="mt-0.5 text-sm break-words text-slate-500 dark:text-slate-400">{error.message}</p>
          {retry && (
            <Button variant="secondary" icon="refresh" class="mt-3" onClick={retry}>
              Réessayer
            </Button>
          )}
        </div>
      </div>
    </Card>
  );
}

/** A modal sheet (bottom sheet on the phone, centred dialog on a desktop). */
export function Sheet({
  open,
  title,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-label={title}
      onClose={onClose}
      onClick={(e) => e.target === ref.current && onClose()}
      class="m-0 mt-auto w-full max-w-none bg-transparent p-0 backdrop:bg-slate-950/50 backdrop:backdrop-blur-[2px] sm:m-auto sm:max-w-lg"
    >
      {open && (
        <div class="pb-safe rounded-t-3xl bg-white text-slate-900 shadow-2xl sm:rounded-3xl sm:pb-0 dark:bg-ink-900 dark:text-slate-100">
          <div class="flex items-center justify-between px-5 pt-4 pb-2">
            <h2 class="text-lg font-semibold">{title}</h2>
            <IconButton icon="x" label="Fermer" onClick={onClose} class="-mr-2" />
          </div>
          <div class="max-h-[75dvh] overflow-y-auto px-5 pb-5">{children}</div>
        </div>
      )}
    </dialog>
  );
}

export function Toaster() {
  const items = useSignal(toasts);
  return (
    <div
      class="bottom-safe pointer-events-none fixed inset-x-0 z-50 flex flex-col items-center gap-2 px-4 lg:bottom-6"
      aria-live="polite"
    >
      {items.map((t) => (
        <div
          key={t.id}
          role={t.tone === "error" ? "alert" : "status"}
          class={`pointer-events-auto flex w-full max-w-md items-center gap-3 rounded-2xl px-4 py-3 text-[15px] shadow-xl ${
            t.tone === "error"
              ? "bg-rose-600 text-white"
              : t.tone === "success"
                ? "bg-emerald-600 text-white"
                : "bg-slate-900 text-white dark:bg-slate-100 dark:text-slate-900"
          }`}
        >
          <span class="flex-1">{t.text}</span>
          {t.action && (
            <button
              type="button"
              class="rounded-lg px-2 py-1 font-semibold underline-offset-2 hover:underline"
              onClick={() => {
                t.action?.run();
                dismissToast(t.id);
              }}
            >
              {t.action.label}
            </button>
          )}
          <button
            type="button"
            aria-label="Fermer"
            class="-my-2 -mr-3 flex size-11 shrink-0 items-center justify-center opacity-70 hover:opacity-100"
            onClick={() => dismissToast(t.id)}
          >
            <Icon name="x" class="size-4" />
          </button>
        </div>
      ))}
    </div>
  );
}

export function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: string;
  children: ComponentChildren;
}) {
  return (
    <label class="block space-y-1.5">
      <span class="text-sm font-medium text-slate-700 dark:text-slate-300">{label}</span>
      {children}
      {hint && <span class="block text-xs text-slate-500 dark:text-slate-400">{hint}</span>}
    </label>
  );
}
