// Which screen to show: pairing until this device has a token, then the route's screen.
import { useEffect, useState } from "preact/hooks";
import { currentDevice, onDeviceChange, type Device } from "./lib/auth";
import { startOutbox } from "./lib/outbox";
import { resubscribe } from "./lib/push";
import { clearRemembered } from "./lib/resource";
import { navigate, parse, useLocation } from "./lib/router";
import { CaptureDetailScreen } from "./screens/CaptureDetail";
import { CaptureScreen } from "./screens/Capture";
import { InboxScreen } from "./screens/Inbox";
import { PairScreen } from "./screens/Pair";
import { SessionScreen } from "./screens/Session";
import { SessionsScreen } from "./screens/Sessions";
import { SettingsScreen } from "./screens/Settings";
import { Page, Shell } from "./ui/Layout";
import { EmptyState, Toaster } from "./ui/ui";
import { Button } from "./ui/ui";

let outboxStarted = false;

function whenPaired(): void {
  if (!outboxStarted) {
    outboxStarted = true;
    startOutbox();
  }
  void resubscribe().catch(() => undefined);
}

export function App() {
  const [device, setDevice] = useState<Device | null>(currentDevice());
  const { path } = useLocation();
  const route = parse(path);

  useEffect(
    () =>
      onDeviceChange((d) => {
        if (!d) clearRemembered();
        setDevice(d);
      }),
    [],
  );
  useEffect(() => {
    if (device) whenPaired();
  }, [device]);
  useEffect(() => {
    if (device && route.name === "pair") navigate("/", true);
  }, [device, route.name]);

  if (!device) {
    return (
      <>
        <PairScreen />
        <Toaster />
      </>
    );
  }

  let screen;
  let tab: "inbox" | "capture" | "sessions" | "settings" | null = null;
  switch (route.name) {
    case "inbox":
      screen = <InboxScreen />;
      tab = "inbox";
      break;
    case "capture-detail":
      screen = <CaptureDetailScreen id={route.id} />;
      tab = "inbox";
      break;
    case "capture":
      screen = <CaptureScreen />;
      tab = "capture";
      break;
    case "sessions":
      screen = <SessionsScreen />;
      tab = "sessions";
      break;
    case "session":
      screen = <SessionScreen key={route.id} id={route.id} />;
      tab = "sessions";
      break;
    case "settings":
      screen = <SettingsScreen />;
      tab = "settings";
      break;
    default:
      screen = (
        <Page title="Page introuvable">
          <EmptyState icon="alert" title="Cette page n'existe pas">
            <Button class="mt-4" onClick={() => navigate("/")}>
              Retour à la boîte
            </Button>
          </EmptyState>
        </Page>
      );
  }
  return (
    <>
      <Shell tab={tab}>{screen}</Shell>
      <Toaster />
    </>
  );
}
