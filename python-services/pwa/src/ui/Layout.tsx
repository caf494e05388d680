// The frame of every screen: a tab bar under the thumb on the phone, a sidebar on a desktop,
// a sticky title bar, and one line that says when the app is offline or has sends waiting.
import type { ComponentChildren } from "preact";
import { online, useSignal } from "../lib/bus";
import { outboxEntries } from "../lib/outbox";
import { linkClick, navigate } from "../lib/router";
import { Icon, type IconName } from "./icons";
import { IconButton } from "./ui";

export type Tab = "inbox" | "capture" | "sessions" | "settings";
const TABS: { id: Tab; href: string; label: string; icon: IconName }[] = [
  { id: "inbox", href: "/", label: "Boîte", icon: "inbox" },
  { id: "capture", href: "/capture", label: "Capturer", icon: "mic" },
  { id: "sessions", href: "/sessions", label: "Sessions", icon: "terminal" },
  { id: "settings", href: "/settings", label: "Réglages", icon: "settings" },
];

export function Logo({ class: cls = "size-8" }: { class?: string }) {
  return (
    <svg viewBox="0 0 512 512" class={cls} aria-hidden="true">
      <defs>
        <linearGradient id="lg" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stop-color="#6366f1" />
          <stop offset="1" stop-color="#8b5cf6" />
        </linearGradient>
      </defs>
      <rect width="512" height="512" rx="120" fill="url(#lg)" />
      <g fill="#fff">
        <rect x="118" y="196" width="56" height="120" rx="28" />
        <rect x="228" y="126" width="56" height="260" rx="28" />
        <rect x="338" y="166" width="56" height="180" rx="28" />
      </g>
    </svg>
  );
}

export function Shell({ tab, children }: { tab: Tab | null; children: ComponentChildren }) {
  return (
    <div class="min-h-dvh lg:flex">
      <a
        href="#main"
        class="sr-only z-50 rounded-lg bg-accent-600 px-3 py-2 text-white focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
      >
        Aller au contenu
      </a>
      <Sidebar tab={tab} />
      <div class="min-w-0 flex-1 pb-[calc(env(safe-area-inset-bottom)+4.5rem)] lg:pb-0">
        <main id="main">{children}</main>
      </div>
      <TabBar tab={tab} />
    </div>
  );
}

function Sidebar({ tab }: { tab: Tab | null }) {
  return (
    <nav
      aria-label="Navigation"
      class="sticky top-0 hidden h-dvh w-64 shrink-0 flex-col border-r border-slate-200 bg-white/60 px-4 py-6 lg:flex dark:border-white/5 dark:bg-ink-900/60"
    >
      <div class="mb-8 flex items-center gap-3 px-2">
        <Logo class="size-9" />
        <div>
          <p class="font-semibold">Solo Brain</p>
          <p class="text-xs text-slate-500 dark:text-slate-400">Captures et sessions</p>
        </div>
      </div>
      <ul class="space-y-1">
        {TABS.map((t) => (
          <li key={t.id}>
            <a
              href={t.href}
              onClick={(e) => linkClick(e, t.href)}
              aria-current={tab === t.id ? "page" : undefined}
              class={`flex items-center gap-3 rounded-xl px-3 py-2.5 text-[15px] font-medium ${
                tab === t.id
                  ? "bg-accent-50 text-accent-700 dark:bg-accent-500/15 dark:text-accent-300"
                  : "text-slate-600 hover:bg-slate-900/5 dark:text-slate-300 dark:hover:bg-white/5"
              }`}
            >
              <Icon name={t.icon} />
              {t.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function TabBar({ tab }: { tab: Tab | null }) {
  return (
    <nav
      aria-label="Navigation"
      class="pb-safe fixed inset-x-0 bottom-0 z-40 border-t border-slate-200/80 bg-white/85 backdrop-blur-xl lg:hidden dark:border-white/10 dark:bg-ink-900/85"
    >
      <ul class="mx-auto flex max-w-lg">
        {TABS.map((t) => {
          const active = tab === t.id;
          return (
            <li key={t.id} class="flex-1">
              <a
                href={t.href}
                onClick={(e) => linkClick(e, t.href)}
                aria-current={active ? "page" : undefined}
                class={`flex h-16 flex-col items-center justify-center gap-0.5 text-[11px] font-medium ${
                  active ? "text-accent-600 dark:text-accent-300" : "text-slate-500 dark:text-slate-400"
                }`}
              >
                <span
                  class={`flex size-9 items-center justify-center rounded-full ${
                    t.id !== "capture"
                      ? ""
                      : active
                        ? "bg-accent-600 text-white"
                        : "bg-accent-600/10 text-accent-600 dark:bg-accent-400/15 dark:text-accent-300"
                  }`}
                >
                  <Icon name={t.icon} class={t.id === "capture" ? "size-5" : "size-6"} />
                </span>
                {t.label}
              </a>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

export function ConnectivityBar() {
  const isOnline = useSignal(online);
  const waiting = useSignal(outboxEntries).filter((e) => !e.error).length;
  if (isOnline && !waiting) return null;
  return (
    <div role="status" class="bg-amber-400 text-amber-950 dark:bg-amber-500/90">
      <div class="flex items-center justify-center gap-2 px-4 py-1 text-[13px] font-semibold">
        <Icon name={isOnline ? "refresh" : "offline"} class="size-4" />
        {isOnline ? "" : "Hors ligne"}
        {!isOnline && waiting ? " · " : ""}
        {waiting ? `${waiting} envoi${waiting > 1 ? "s" : ""} en attente` : ""}
      </div>
    </div>
  );
}

/** A screen: sticky title bar (with back button and actions) and its content column. */
export function Page({
  title,
  subtitle,
  back,
  actions,
  wide,
  children,
}: {
  title: ComponentChildren;
  subtitle?: ComponentChildren;
  back?: string;
  actions?: ComponentChildren;
  wide?: boolean;
  children: ComponentChildren;
}) {
  return (
    <>
      <header class="pt-safe sticky top-0 z-20 border-b border-slate-200/70 bg-slate-50/85 backdrop-blur-xl dark:border-white/5 dark:bg-ink-950/85">
        <div class={`mx-auto flex min-h-14 items-center gap-1 px-3 lg:px-8 ${wide ? "max-w-5xl" : "max-w-3xl"}`}>
          {back && (
            <IconButton
              icon="back"
              label="Retour"
              class="-ml-1"
              onClick={() => (history.length > 1 ? history.back() : navigate(back))}
            />
          )}
          <div class={`min-w-0 flex-1 py-2 ${back ? "" : "pl-1"}`}>
            <h1 class="truncate text-[17px] leading-tight font-semibold lg:text-xl">{title}</h1>
            {subtitle && <div class="text-[13px] leading-snug text-slate-500 dark:text-slate-400">{subtitle}</div>}
          </div>
          {actions}
        </div>
        <ConnectivityBar />
      </header>
      <div class={`mx-auto px-4 py-4 lg:px-8 lg:py-6 ${wide ? "max-w-5xl" : "max-w-3xl"}`}>{children}</div>
    </>
  );
}
