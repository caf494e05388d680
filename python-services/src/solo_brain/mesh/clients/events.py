"""Hub events for the phone (permission pending, prompt finished, agent offline, terminal
waiting, a capture re-classified or retried) POSTed to MESH_EVENTS_WEBHOOK_URL: the n8n workflow
mesh-events turns them into push notifications and deliveries.

Best effort by design: `emit` never blocks and never raises; a bounded queue feeds one worker
that POSTs each event with a short time limit. When the webhook is down, events are logged and
dropped (the PWA still shows the state); a full queue drops the oldest event.

Each event is one JSON POST to MESH_EVENTS_WEBHOOK_URL, `{"event": NAME, "at": ISO 8601, ...}`:

    permission_pending  permission_id, session_id, tool_name, input, source (sdk | hook)
    prompt_finished     prompt_id, session_id, session_title, state (done | failed), error,
                        voice_reply, capture_id (the capture the prompt came from, if any)
    agent_offline       agent_id, agent (sent once the agent stayed away
                        MESH_AGENT_OFFLINE_AFTER_S, so a quick reconnect sends nothing)
    terminal_waiting    session_id, session_title, agent, permission_mode (a terminal shows
                        a dialog no hook can answer: go back to the keyboard)
    capture_reclassified  capture_id, actor (re-classified by hand: deliver what it implies)
    capture_retry       capture_id, status, redo (filing | deliveries), actor (the phone asked
                        to take a pending or failed capture again now)

permission_pending also carries session_label and tool_summary ("Bash `npm test`"), and
prompt_finished and terminal_waiting session_label and, for a voice_reply prompt, reply_text
(Claude's answer made short enough to speak), so that the workflow words a push without logic
of its own. Every event about a session, a capture or a machine also carries `url`, the app's
page it is about in the app's path form (`/sessions/<id>`, `/captures/<id>`, `/sessions`: what
a push opens), and `link`, the same page under PUBLIC_HUB_URL (for Gotify or WhatsApp, opened
outside the app).

"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import httpx

from solo_brain.mesh.errors import EventsWebhookError
from solo_brain.mesh.notices import app_path

log = logging.getLogger(__name__)

PERMISSION_PENDING = "permission_pending"
PROMPT_FINISHED = "prompt_finished"
AGENT_OFFLINE = "agent_offline"
TERMINAL_WAITING = "terminal_waiting"
CAPTURE_RECLASSIFIED = "capture_reclassified"
CAPTURE_RETRY = "capture_retry"


class EventsWebhook:
    """Client of the events webhook, with its own queue and worker."""

    def __init__(
        self,
        url: str | None,
        client: httpx.AsyncClient,
        *,
        public_url: str = "",
        max_pending: int = 1000,
    ) -> None:
        self.url = url
        self.public_url = public_url.rstrip("/")
        self.client = client
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=max_pending)
        self.sent = 0
        self.failed = 0
        self.dropped = 0
        self._worker: asyncio.Task[None] | None = None

    def emit(self, event: str, **data: Any) -> None:
        """Queue an event for the webhook (no-op when no webhook is configured)."""
        if not self.url:
            return
        payload = {"event": event, "at": datetime.now(UTC).isoformat(), **data}
        path = app_path(data)
        if path is not None:
            payload.setdefault("url", path)
            payload.setdefault("link", self.public_url + path)
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
            log.warning("events webhook queue full: dropped the oldest event")
        self.queue.put_nowait(payload)

    async def post(self, payload: dict[str, Any]) -> None:
        """POST one event; raise EventsWebhookError when it is not accepted."""
        assert self.url is not None
        try:
            response = await self.client.post(self.url, json=payload)
        except httpx.HTTPError as exc:
            raise EventsWebhookError(f"events webhook unreachable: {exc!r}") from exc
        if response.status_code >= 300:
            raise EventsWebhookError(
                f"events webhook answered HTTP {response.status_code} to {payload['event']}"
            )

    def start(self) -> None:
        """Start the worker (in the hub's lifespan)."""
        if self.url and self._worker is None:
            self._worker = asyncio.create_task(self._run(), name="mesh-events-webhook")

    async def aclose(self) -> None:
        """Stop the worker; events still queued are dropped."""
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
            self._worker = None

    async def _run(self) -> None:
        while True:
            payload = await self.queue.get()
            try:
                await self.post(payload)
                self.sent += 1
            except EventsWebhookError as exc:
                self.failed += 1
                log.warning("%s (event dropped)", exc.message)
