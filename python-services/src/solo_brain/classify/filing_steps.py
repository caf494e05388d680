"""The filing steps of one capture, in the order capture-process ran them as n8n nodes:
transcribe the kept audio (glue) → record the transcript → classify → file → the sentence →
speak it (glue) → tell. Each step is the existing endpoint or SQL function; what this adds is
the order and what a failed step hands on (as the workflow's error outputs did)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx

from solo_brain.classify.models import MAX_TEXT_CHARS, ClassifyRequest, SpeechRequest
from solo_brain.classify.routes.classify import classify
from solo_brain.classify.routes.speech import speech
from solo_brain.classify.service import ClassifyService
from solo_brain.classify.speech import NOTHING_HEARD, REFUSED
from solo_brain.db.pool import DictPool
from solo_brain.errors import InvalidRequest, NotFound, ServiceError
from solo_brain.mesh.store.lifecycle import call

log = logging.getLogger(__name__)

# What the glue may take over a transcription beyond Whisper's own limit (reading the audio).
TRANSCRIBE_MARGIN_S = 60.0
SPEAK_TIMEOUT_S = 60.0
# How often a capture is touched while Whisper works through a long memo: well within
# retry-pending's grace (300 s), after which a capture left unchanged is taken as abandoned.
HEARTBEAT_S = 60.0


async def sql(pool: DictPool, function: str, argument: dict[str, Any]) -> dict[str, Any]:
    """The jsonb answer of `assistant.<function>(argument)` (`function` is never user input);
    an unknown capture is NotFound, a refused argument InvalidRequest."""
    [row] = await call(pool, f"SELECT assistant.{function}(%s::jsonb) AS r", argument)
    result: dict[str, Any] = row["r"]
    return result


async def stored(pool: DictPool, function: str, capture_id: str) -> dict[str, Any]:
    """`assistant.capture_json` or `capture_answer` of a capture; NotFound when there is none."""
    async with pool.connection() as conn:
        cursor = await conn.execute(f"SELECT assistant.{function}(%s) AS r", (capture_id,))
        row = await cursor.fetchone()
    if row is None or row["r"] is None:
        raise NotFound(f"no capture {capture_id}")
    found: dict[str, Any] = row["r"]
    return found


class NothingHeard(InvalidRequest):
    """A voice note in which Whisper heard no words: nothing to classify, whenever asked."""

    speech = NOTHING_HEARD


def _error(code: str, exc: Exception | httpx.Response) -> dict[str, Any]:
    """An error result for file_capture (it counts the attempt and plans the next one)."""
    if isinstance(exc, httpx.Response):
        try:
            body = exc.json()
            if isinstance(body, dict) and isinstance(body.get("error"), dict):
                return {"error": body["error"]}
        except ValueError:
            pass
        return {"error": {"code": code, "message": f"HTTP {exc.status_code}: {exc.text[:500]}"}}
    return {"error": {"code": code, "message": str(exc) or type(exc).__name__}}


def printable(text: str) -> str:
    """`text` as the database can store it (no NUL, no unpaired surrogate), at most 500 chars."""
    return text.replace("\0", "").encode("utf-8", "replace").decode()[:500]


def _not_configured(answer: httpx.Response) -> bool:
    """Whether the glue answered that its model server is not set (`configured: false`)."""
    try:
        error = answer.json().get("error")
    except (ValueError, AttributeError):
        return False
    return isinstance(error, dict) and error.get("configured") is False


class FilingSteps:
    """The steps with what they need: the database, the glue, the classifier."""

    def __init__(
        self, pool: DictPool, glue: httpx.AsyncClient, service: ClassifyService, tz: str,
        *, backoff_s: float | None = None, long_note_chars: int | None = None,
        whisper_timeout_max_s: float = 3600.0, heartbeat_s: float = HEARTBEAT_S,
    ) -> None:  # fmt: skip
        self.pool, self.glue, self.service, self.tz = pool, glue, service, tz
        self.backoff_s, self.long_note_chars = backoff_s, long_note_chars
        # The glue gives Whisper up to WHISPER_TIMEOUT_MAX_S for a long memo: wait for it.
        self.transcribe_timeout_s = whisper_timeout_max_s + TRANSCRIBE_MARGIN_S
        self.heartbeat_s = heartbeat_s

    async def transcribe(self, capture: dict[str, Any]) -> tuple[dict[str, Any], dict | None]:
        """The capture with its transcript recorded, or an error result to file."""
        try:
            async with self._at_work(capture["id"]):
                got = await self.glue.post(
                    f"/v1/transcribe/{capture['audio_ref']}", timeout=self.transcribe_timeout_s
                )
        except httpx.HTTPError as exc:
            return capture, _error("transcription_unavailable", exc)
        if got.status_code != 200:
            return capture, _error("transcription_failed", got)
        recorded = await sql(
            self.pool, "record_capture", {**got.json(), "capture_id": capture["id"]}
        )
        return recorded, None

    @contextlib.asynccontextmanager
    async def _at_work(self, capture_id: str) -> AsyncIterator[None]:
        """While the block runs (a long memo's transcription), touch the capture every
        heartbeat_s (touch_capture), so that retry-pending never takes it as abandoned."""

        async def beat() -> None:
            while True:
                await asyncio.sleep(self.heartbeat_s)
                try:
                    await sql(self.pool, "touch_capture", {"capture_id": capture_id})
                except Exception as exc:  # a missed beat: the grace is several beats long
                    log.warning("filing %s: could not mark it at work: %s", capture_id, exc)

        task = asyncio.create_task(beat())
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def classify(self, capture: dict[str, Any]) -> dict[str, Any]:
        """classify's answer for the capture's words (a note of any length: the classifier
        reads its beginning), or an error result to file; words that cannot be classified
        are the input's fault, raised as InvalidRequest (NothingHeard: no words at all)."""
        words = capture.get("transcript") or capture.get("text") or ""
        if not words.strip():
            raise NothingHeard("no words to classify: Whisper heard none in the voice note")
        try:
            request = ClassifyRequest(
                text=words[:MAX_TEXT_CHARS],
                hint=capture.get("hint"), now=capture.get("created_at"),
                source=capture.get("channel"), public=bool(capture.get("public")),
                capture_id=capture["id"],
            )  # fmt: skip
        except ValueError as exc:  # a stored field the classifier refuses: never better later
            raise InvalidRequest(f"the note cannot be classified: {exc}") from exc
        try:
            result = await classify(request, self.service)
        except ServiceError as exc:
            return {"error": exc.body()["error"]}
        return result.model_dump(mode="json")

    async def file_and_tell(
        self, capture_id: str, result: dict[str, Any], settings: dict[str, Any]
    ) -> bool:
        """File with `result`, put the outcome into words, speak and tell it; whether
        deliveries wait. A failed sentence or voice leaves the capture untold or silent, as
        the workflow's nodes did (retry-pending tells it later). `settings`: backoff_s,
        long_note_chars (file_capture's defaults when absent)."""
        p: dict[str, Any] = {**settings, "capture_id": capture_id, "result": result}
        filed = await sql(self.pool, "file_capture", p)
        sentence = await self.sentence(filed.get("speech_request"))
        told: dict[str, Any] = {"capture_id": capture_id, "speech": sentence}
        if sentence:
            told |= await self.speak(sentence, filed.get("voice_format") or "mp3")
        finished = await sql(self.pool, "finish_capture", told)
        return bool(finished.get("deliver"))

    async def refuse(self, capture_id: str, reason: str, sentence: str = REFUSED) -> None:
        """Give up a capture whose own data cannot be filed (the failed step wrote nothing):
        failed for good with the reason, and told in French (`sentence`) as any outcome."""
        refused = await sql(self.pool, "refuse_capture", {"capture_id": capture_id,
                                                          "reason": printable(reason)})  # fmt: skip
        told = {"capture_id": capture_id, "speech": sentence}
        told |= await self.speak(sentence, refused.get("voice_format") or "mp3")
        await sql(self.pool, "finish_capture", told)

    async def sentence(self, speech_request: dict[str, Any] | None) -> str | None:
        """The sentence for a speech request (classify's /v1/speech), None when it fails."""
        if not speech_request:
            return None
        try:
            said = await speech(SpeechRequest.model_validate(speech_request), self.tz)
        except (ServiceError, ValueError):
            log.exception("the speech for %s failed", speech_request.get("capture", {}).get("id"))
            return None
        return said.speech

    async def speak(self, text: str, voice_format: str) -> dict[str, Any]:
        """{tts_url, audio_ref} of the spoken sentence (glue /v1/speak), empty when it fails."""
        try:
            got = await self.glue.post(
                "/v1/speak", json={"text": text, "format": voice_format}, timeout=SPEAK_TIMEOUT_S
            )
        except httpx.HTTPError:
            log.warning("speaking failed: the glue does not answer")
            return {}
        if got.status_code != 200:
            if _not_configured(got):  # the glue said so at start ("KOKORO_URL unset")
                log.debug("not spoken: the glue has no KOKORO_URL (answers are text only)")
            else:
                log.warning("speaking failed: HTTP %s: %s", got.status_code, got.text[:300])
            return {}
        spoken = got.json()
        return {"tts_url": spoken.get("url"), "audio_ref": spoken.get("audio_ref")}
