"""A capture is answered within its time budget even when n8n is too busy to answer it.

The hub forwards every capture to n8n's capture webhook and passes n8n's answer back. Under a
burst n8n's single event loop can fall behind by tens of seconds, while the Siri Shortcut gives
up after about 10 s. So the hub keeps the clock itself: when n8n has not answered by
CAPTURE_TIME_BUDGET_S from the request's arrival, the hub records the capture under its id
(`receive_webhook_capture`, idempotent on the id) and takes the confirmation away from the
processing (`defer_confirmation`), then answers 200 with the capture's answer and "C'est noté,
je m'en occupe…", as n8n itself does when the models are slow. A voice capture's audio is kept
first, in the audio store the glue keeps captures in (the same MEDIA_DIR; written and fsynced
before the answer), and the capture recorded with it. The request to n8n is not cancelled: when
n8n gets to it, it finds the capture recorded and files it once, then notifies the outcome (the
confirmation is deferred); should n8n never get to it (restarted meanwhile), retry-pending takes
the pending capture after its grace period (a voice one from the audio the hub kept). A capture
without a capture_id gets one from the hub first (sent to n8n as X-Capture-Id), so both sides
file the same. n8n keeps the audio of a voice capture again when it gets to it and records its
own copy on the capture: once n8n has answered, the hub's copy, then unused, is deleted.

Requests n8n would refuse (no words, a bad field, audio that is not audio or over the glue's
size limit) always wait for n8n's own answer.
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
from solo_brain.errors import ServiceError
from solo_brain.glue.keep import keep_audio
from solo_brain.media import MediaStore
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
KEPT_AUDIO = "SELECT audio_ref FROM assistant.captures WHERE id = %s FOR UPDATE"
MAX_AUDIO_BYTES = 25 * 1024 * 1024  # the glue's MAX_AUDIO_BYTES default: larger, n8n refuses
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


def deferrable_fields(form: FormData) -> tuple[dict[str, str], UploadFile | None] | None:
    """The form fields of a capture the hub may record itself, with its audio (one file field
    `audio`) when it is a voice capture; None when only n8n's answer counts: no words, another
    file, or a field n8n would refuse."""
    files = [(k, v) for k, v in form.multi_items() if isinstance(v, UploadFile)]
    audio = files[0][1] if len(files) == 1 and files[0][0] == "audio" else None
    if files and audio is None:
        return None
    fields = {k: v for k in FIELDS if isinstance(v := form.get(k), str)}
    if audio is not None:
        fields.pop("text", None)  # a voice capture's text field is ignored (n8n does so)
    elif not fields.get("text", "").strip():
        return None
    if "\0" in "".join(fields.values()) or fields.get("channel", "") not in CHANNELS:
        return None
    if fields.get("mode", "") not in ("", "voice" if audio is not None else "text"):
        return None
    if fields.get("capture_id") and not CAPTURE_ID.match(fields["capture_id"]):
        return None
    return fields, audio


class CaptureLine:
    """Forwards captures to n8n, answering "on it" for the captures n8n is late with."""

    def __init__(
        self, webhook: CaptureWebhook, pool: Pool, settings: MeshSettings, media: MediaStore
    ) -> None:
        self.webhook, self.pool, self.settings, self.media = webhook, pool, settings, media
        self._late: set[asyncio.Task[None]] = set()  # answers nobody waits for now

    async def answer(
        self, body: bytes, headers: Mapping[str, str], form: FormData
    ) -> WebhookAnswer | dict[str, Any]:
        """n8n's answer when it comes within the budget, else the hub's own "on it" answer."""
        self.webhook.check_configured()
        started, request_start = arrival(headers)
        deferrable = deferrable_fields(form)
        fields, audio = deferrable if deferrable is not None else (None, None)
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
        kept = None
        if audio is not None and (kept := await self._keep(audio, fields["capture_id"])) is None:
            return await task
        try:
            answered, kept = await self._record_and_defer(fields, request_start, kept)
        except psycopg.Error:
            log.exception("capture %s: could not record it; waiting for n8n", fields["capture_id"])
            return await task
        late = asyncio.create_task(self._settle(task, fields["capture_id"], kept))
        self._late.add(late)
        late.add_done_callback(self._late.discard)
        return answered

    async def _keep(self, audio: UploadFile, capture_id: str) -> str | None:
        """The ref of the voice capture's audio, kept durably; None when n8n would refuse it."""
        data = await audio.read()
        if len(data) > MAX_AUDIO_BYTES:
            return None
        try:
            return (await keep_audio(self.media, data, f"the audio of {capture_id}")).ref
        except ServiceError:  # not audio: n8n's "Keep the raw audio" refuses it (415)
            return None
        except OSError:
            log.exception("capture %s: could not keep its audio; waiting for n8n", capture_id)
            return None

    async def _record_and_defer(
        self, fields: dict[str, str], request_start: str, audio_ref: str | None
    ) -> tuple[dict[str, Any], str | None]:
        """The "on it" answer, and the ref of the audio the capture was recorded with (None
        when it holds audio already: the hub's copy is then deleted at once)."""
        request = {"body": fields, "headers": {"x-request-start": request_start}}
        recorded: dict[str, Any] = {"webhook": request, "budget_s": self.settings.capture_budget_s}
        async with self.pool.connection() as conn, conn.transaction():
            if audio_ref is not None:
                found = await (await conn.execute(KEPT_AUDIO, (fields["capture_id"],))).fetchone()
                if found is None or found["audio_ref"] is None:  # n8n has not kept its own yet
                    recorded["audio_ref"] = audio_ref
            await conn.execute(RECORD, (Jsonb(recorded),))
            row = await (await conn.execute(DEFER, (fields["capture_id"],))).fetchone()
        if audio_ref is not None and "audio_ref" not in recorded:
            await self._delete(audio_ref)
            audio_ref = None
        assert row is not None
        outcome: dict[str, Any] = row["r"]
        answer: dict[str, Any] = outcome["answer"]
        if outcome["deferred"] or not answer.get("speech"):
            answer["speech"] = ON_IT
        log.info("capture %s: n8n late, answered on it (deferred %s)", answer.get("capture_id"),
                 outcome["deferred"])  # fmt: skip
        return answer, audio_ref

    async def _settle(
        self, task: asyncio.Task[WebhookAnswer], capture_id: str, audio_ref: str | None
    ) -> None:
        """Wait for n8n's late answer; then delete the audio the hub kept when the capture
        holds n8n's own copy instead (kept otherwise: retry-pending files from it)."""
        try:
            await task
        except Exception as error:
            log.warning("a capture answered on time by the hub: n8n's answer failed: %s", error)
            return
        if audio_ref is None:
            return
        async with self.pool.connection() as conn:
            row = await (await conn.execute(KEPT_AUDIO.removesuffix(" FOR UPDATE"),
                                            (capture_id,))).fetchone()  # fmt: skip
        if row is not None and row["audio_ref"] not in (None, audio_ref):
            await self._delete(audio_ref)

    async def _delete(self, audio_ref: str) -> None:
        """Delete a copy of a capture's audio the hub kept and no capture refers to."""
        stored = await asyncio.to_thread(self.media.find, audio_ref)
        if stored is not None:
            await asyncio.to_thread(stored.path.unlink, True)

    async def aclose(self) -> None:
        """Stop waiting for n8n's late answers (n8n or retry-pending files those captures)."""
        for task in list(self._late):
            task.cancel()
        await asyncio.gather(*self._late, return_exceptions=True)
