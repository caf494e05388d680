// A session's live stream over fetch (EventSource cannot send `Authorization`).
//
// iOS kills connections of a backgrounded app without telling the page: the stream is opened
// again whenever the app becomes visible (`visibilitychange`, `pageshow`) or the network
// returns, and after any error with a growing delay. Each reconnection sends `Last-Event-ID`,
// so the hub replays exactly what was missed. The state tells the UI whether what it shows is
// live.

import { authHeaders, errorOf, streamPath } from "./api";
import { forgetDevice } from "./auth";
import { REVOKED_MESSAGE } from "./api";

export type StreamState = "connecting" | "live" | "retrying" | "gone";
export interface StreamEvent {
  id: number | null;
  event: string;
  data: unknown;
}
interface Handlers {
  onEvent: (event: StreamEvent) => void;
  onState: (state: StreamState, detail?: string) => void;
}

export class SessionStream {
  private controller: AbortController | null = null;
  private timer: number | undefined;
  private delay = 1000;
  private closed = false;
  private readonly wake = () => {
    if (document.visibilityState === "visible") this.reconnectNow();
  };
  private readonly reconnectNow = () => {
    if (this.closed) return;
    this.delay = 1000;
    this.connect();
  };

  constructor(
    private readonly sessionId: string,
    public lastId: number | null,
    private readonly handlers: Handlers,
  ) {
    document.addEventListener("visibilitychange", this.wake);
    addEventListener("pageshow", this.reconnectNow);
    addEventListener("online", this.reconnectNow);
    this.connect();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.controller?.abort();
    document.removeEventListener("visibilitychange", this.wake);
    removeEventListener("pageshow", this.reconnectNow);
    removeEventListener("online", this.reconnectNow);
  }

  private connect(): void {
    clearTimeout(this.timer);
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.handlers.onState("connecting");
    void this.run(controller).catch((err: unknown) => {
      if (controller.signal.aborted || this.closed) return;
      this.handlers.onState("retrying", String((err as Error)?.message ?? err));
      this.timer = setTimeout(() => this.connect(), this.delay) as unknown as number;
      this.delay = Math.min(this.delay * 2, 15000);
    });
  }

  private async run(controller: AbortController): Promise<void> {
    const headers: Record<string, string> = { Accept: "text/event-stream", ...authHeaders() };
    if (this.lastId !== null) headers["Last-Event-ID"] = String(this.lastId);
    const response = await fetch(streamPath(this.sessionId), {
      headers,
      signal: controller.signal,
      cache: "no-store",
    });
    if (response.status === 401) {
      forgetDevice(REVOKED_MESSAGE);
      this.closed = true;
      this.handlers.onState("gone", REVOKED_MESSAGE);
      return;
    }
    if (response.status === 404) {
      this.closed = true;
      this.handlers.onState("gone", "Cette session n'existe plus.");
      return;
    }
    if (!response.ok || !response.body) throw await errorOf(response);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let block: Record<string, string> = {};
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error("le flux s'est interrompu");
      buffer += value;
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "") {
          this.dispatch(block);
          block = {};
        } else if (!line.startsWith(":")) {
          const colon = line.indexOf(":");
          const name = colon < 0 ? line : line.slice(0, colon);
          let field = colon < 0 ? "" : line.slice(colon + 1);
          if (field.startsWith(" ")) field = field.slice(1);
          block[name] = name === "data" && block.data !== undefined ? `${block.data}\n${field}` : field;
        }
      }
    }
  }

  private dispatch(block: Record<string, string>): void {
    if ("retry" in block) {
      // The hub's first block: the stream is subscribed, nothing after this can be missed.
      const retry = Number(block.retry);
      if (retry > 0) this.delay = Math.max(1000, Math.min(retry, 15000));
      this.handlers.onState("live");
    }
    if (block.data === undefined) return;
    const id = block.id !== undefined && /^\d+$/.test(block.id) ? Number(block.id) : null;
    if (id !== null) this.lastId = id;
    let data: unknown = block.data;
    try {
      data = JSON.parse(block.data);
    } catch {
      /* keep the text */
    }
    this.handlers.onEvent({ id, event: block.event || "message", data });
  }
}
