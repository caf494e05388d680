"""A capture is answered within its time budget even when n8n is too busy to answer it.

The hub forwards every capture to n8n's capture webhook and passes n8n's answer back. Under a
burst n8n's single event loop can fall behind by tens of seconds, while the Siri Shortcut gives
up after about 10 s. So for a text capture the hub keeps the clock itself: when n8n has not
answered by CAPTURE_TIME_BUDGET_S from the request's arrival, the hub records the capture under
its id (`receive_webhook_capture`, idempotent on the id) and takes the confirmation away from
the processing (`defer_confirmation`), then answers 200 with the capture's answer and
"C'est noté, je m'en occupe…", as n8n itself does when the models are slow. The request to n8n
is not cancelled: when n8n gets to it, it finds the capture recorded and files it once, then
notifies the outcome (the confirmation is deferred); should n8n never get to it (restarted
meanwhile), retry-pending takes the pending capture after its grace period. A capture without a
capture_id gets one from the hub first (sent to n8n as X-Capture-Id), so both sides file the same.

Audio captures, and requests n8n would refuse, always wait for n8n's own answer: recording one
needs the audio kept by the glue first (n8n's "Keep the raw audio").
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from starlette.datastructures import FormData, UploadFile

from solo_brain.classify.speech import ON_IT
from solo_brain.mesh.clients.capture import CaptureWebhook, WebhookAnswer
from solo_brain.mesh.store import Pool
from solo_brain.settings import MeshSettings

log = logging.getLogger(__name__)

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CAPTURE_ID = re.compile(r"^cap_[0-9A-HJKMNP-TV-Z]{26}$")
REQUEST_START = re.compile(
    r"^t=([0-9]{9,10}(?:\.[0-9]{1,6})?)(?: d=([0-9]{1,5}(?:\.[0-9]{1,6})?))?$"
)
CHANNELS = ("", "siri", "pwa", "api", "email")
FIELDS = ("text", "hint", "mode", "channel", "public", "capture_id")
RECORD = "SELECT assistant.receive_webhook_capture(%s::jsonb) AS r"
LATE_READ_S = 600.0  # how long n8n may take with a capture the hub can answer for
DEFER = "SELECT assistant.defer_confirmation(jsonb_build_object('capture_id', %s::text)) AS r"


def new_capture_id() -> str:
    """A fresh capture id as the PWA makes them: `cap_` and a ULID (time first, sortable)."""
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    return "cap_" + "".join(CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def arrival(headers: Mapping[str, str]) -> tuple[float, str]:
    """When the request arrived (epoch seconds) and the X-Request-Start to send n8n: nginx's
    header ("t=<end> d=<upload>": arrived at t - d) when it has one, else now."""
    given = headers.get("x-request-start", "")
    if found := REQUEST_START.match(given):
        started = float(found[1]) - float(found[2] or 0)
        if 0 <= time.time() - started < 60:
            return started, given
    now = time.time()
    return now, f"t={now:.3f}"


def deferrable_fields(form: FormData) -> dict[str, str] | None:
    """The form fields of a text capture the hub may record itself, or None: audio, no text,
    or a field n8n would refuse (then only n8n's answer counts)."""
    if "audio" in form or any(isinstance(v, UploadFile) for _, v in form.multi_items()):
        return None
    fields = {k: v for k in FIELDS if isinstance(v := form.get(k), str)}
    if not fields.get("text", "").strip() or "\0" in "".join(fields.values()):
        return None
    if fields.get("channel", "") not in CHANNELS or fields.get("mode", "") not in ("", "text"):
        return None
    if fields.get("capture_id") and not CAPTURE_ID.match(fields["capture_id"]):
        return None
    return fields


class CaptureLine:
    """Forwards captures to n8n, answering "on it" for text captures n8n is late with."""

    def __init__(self, webhook: CaptureWebhook, pool: Pool, settings: MeshSettings) -> None:
        self.webhook, self.pool, self.settings = webhook, pool, settings
        self._late: set[asyncio.Task[WebhookAnswer]] = set()  # answers nobody waits for now

    async def answer(
        self, body: bytes, headers: Mapping[str, str], form: FormData
    ) -> WebhookAnswer | dict[str, Any]:
        """n8n's answer when it comes within the budget, else the hub's own "on it" answer."""
        self.webhook.check_configured()
        started, request_start = arrival(headers)
        fields = deferrable_fields(form)
        given = None  # the id the hub gives a capture that came without one, for n8n
        if fields is not None and not fields.get("capture_id"):
            fields["capture_id"] = given = new_capture_id()
        # Once the hub may answer for n8n, n8n may take its time: the hub keeps the request open
        # (a closed one might never be filed before retry-pending's grace period).
        patient = LATE_READ_S if fields is not None else None
        sent = self.webhook.forward(body, headers, request_start=request_start,
                                    capture_id=given, read_timeout_s=patient)  # fmt: skip
        task = asyncio.create_task(sent)
        if fields is None:
            return await task
        try:
            remaining = max(started + self.settings.capture_budget_s - time.time(), 0)
            return await asyncio.wait_for(asyncio.shield(task), remaining)
        except TimeoutError:
            pass
        try:
            answered = await self._record_and_defer(fields, request_start)
        except psycopg.Error:
            log.exception("capture %s: could not record it; waiting for n8n", fields["capture_id"])
            return await task
        self._late.add(task)
        task.add_done_callback(self._forget)
        return answered

    async def _record_and_defer(self, fields: dict[str, str], request_start: str) -> dict[str, Any]:
        request = {"body": fields, "headers": {"x-request-start": request_start}}
        async with self.pool.connection() as conn, conn.transaction():
            budget = self.settings.capture_budget_s
            await conn.execute(RECORD, (Jsonb({"webhook": request, "budget_s": budget}),))
            row = await (await conn.execute(DEFER, (fields["capture_id"],))).fetchone()
        assert row is not None
        outcome: dict[str, Any] = row["r"]
        answer: dict[str, Any] = outcome["answer"]
        if outcome["deferred"] or not answer.get("speech"):
            answer["speech"] = ON_IT
        log.info("capture %s: n8n late, answered on it (deferred %s)", answer.get("capture_id"),
                 outcome["deferred"])  # fmt: skip
        return answer

    def _forget(self, task: asyncio.Task[WebhookAnswer]) -> None:
        self._late.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.warning("a capture answered on time by the hub: n8n's answer failed: %s", error)

    async def aclose(self) -> None:
        """Stop waiting for n8n's late answers (n8n or retry-pending files those captures)."""
        for task in list(self._late):
            task.cancel()
        await asyncio.gather(*self._late, return_exceptions=True)
