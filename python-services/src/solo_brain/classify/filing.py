"""File a capture in one call: record it, run its filing steps as a background task, and
answer when the outcome is told or at the capture's `answer_by`, whichever comes first, while
the task goes on (the model is asked once and never cut).

One task per capture in this process: a retried call for the same capture joins the running
task, or, once the outcome is told, answers what is recorded; the SQL functions keep a capture
from being filed twice whoever calls them. A question stops the task before filing: n8n
answers it (answer-question) and tells its outcome itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from solo_brain.classify.filing_models import FilingIn, Outcome, WaitIn
from solo_brain.classify.filing_request import capture_fields
from solo_brain.classify.filing_steps import FilingSteps, NothingHeard, sql, stored
from solo_brain.classify.speech import REFUSED as REFUSED_SPEECH
from solo_brain.errors import DatabaseUnavailable, ServiceError, database_error, refused_data

log = logging.getLogger(__name__)
KEEP_RESULTS = 1000  # finished tasks remembered for a late "wait for the filing"
REFUSED = "refused: "  # how refuse_capture's last_error starts
DB_DOWN = "the database does not answer: send the capture again later with the same capture_id (it is filed once)"  # noqa: E501


@dataclass(frozen=True)
class Result:
    """How a filing task ended: a question to answer, whether deliveries wait, or why the
    capture's own data was refused (it is given up, never retried: a 422 to its caller)."""

    question: dict[str, Any] | None = None
    deliver: bool = False
    refused: str | None = None


class Filings:
    """The running filing tasks of this process, by capture id."""

    def __init__(self, steps: FilingSteps, default_budget_s: float = 8.0) -> None:
        self.steps = steps
        self.default_budget_s = default_budget_s
        self._running: dict[str, asyncio.Task[Result]] = {}
        self._done: OrderedDict[str, Result] = OrderedDict()

    async def close(self) -> None:
        """Stop the running tasks (the service stops): retry-pending takes their captures."""
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def file(self, body: FilingIn) -> Outcome:
        """Record (or find) the capture, start or join its filing, answer in time."""
        try:
            capture, answer_by = await self._receive(body)
        except ServiceError:
            raise
        except Exception as exc:
            mapped = database_error(exc)
            if isinstance(mapped, DatabaseUnavailable):
                raise DatabaseUnavailable(DB_DOWN) from exc
            if mapped is not None:  # text the database cannot store (NUL): the caller's 400
                raise mapped from exc
            raise
        capture_id = capture["id"]
        if capture.get("confirmation") and capture.get("status") in ("filed", "failed"):
            told = await stored(self.steps.pool, "capture_answer", capture_id)
            return _outcome(capture_id, told, running=False, result=_stored_result(capture))
        settings = body.model_dump(include={"backoff_s", "long_note_chars"}, exclude_none=True)
        task = self._task(capture, settings)
        timeout = None if body.wait or answer_by is None else _seconds_until(answer_by)
        outcome = await self._answer(capture_id, task, timeout)
        return outcome.model_copy(update={"answer_by": answer_by})

    async def wait(self, capture_id: str, body: WaitIn) -> Outcome:
        """Wait for the filing (or, `answer`, for the told outcome) until `until`."""
        timeout = None if body.until is None else _seconds_until(body.until)
        task = self._running.get(capture_id)
        if task is not None and not body.answer:
            return await self._answer(capture_id, task, timeout)
        if task is not None:
            await asyncio.wait({task}, timeout=timeout)
        result = self._done.get(capture_id, Result(deliver=True))
        if task is None and capture_id not in self._done:
            await stored(self.steps.pool, "capture_json", capture_id)  # NotFound: a 404
        if body.answer:
            p = {"capture_id": capture_id, "poll_s": 0.01}
            p |= {"until": body.until.isoformat()} if body.until else {"wait_s": 600}
            awaited = await sql(self.steps.pool, "await_confirmation", p)
            return await self._told(capture_id, awaited, running=task is not None, result=None)
        return _outcome(capture_id, None, running=False, result=result)

    async def _receive(self, body: FilingIn) -> tuple[dict[str, Any], datetime | None]:
        if body.capture_id:
            capture = await stored(self.steps.pool, "capture_json", body.capture_id)
            return capture, None
        budget = body.budget_s or self.default_budget_s
        received = await sql(self.steps.pool, "receive_webhook_capture", {
            "webhook": {"body": capture_fields(body.request, body.audio_ref),
                        "headers": {"x-request-start": body.request_start,
                                    "x-capture-id": body.hub_capture_id}},
            "audio_ref": body.audio_ref, "budget_s": budget,
        })  # fmt: skip
        return received["capture"], datetime.fromisoformat(received["answer_by"])

    def _task(self, capture: dict[str, Any], settings: dict[str, Any]) -> asyncio.Task[Result]:
        capture_id = capture["id"]
        task = self._running.get(capture_id)
        if task is None:
            task = asyncio.create_task(self._run(capture, settings), name=f"filing {capture_id}")
            self._running[capture_id] = task
            task.add_done_callback(lambda t: self._finished(capture_id, t))
        return task

    def _finished(self, capture_id: str, task: asyncio.Task[Result]) -> None:
        self._running.pop(capture_id, None)
        if task.cancelled():
            return
        if (exc := task.exception()) is not None:
            log.error("filing %s stopped: %s (retry-pending takes it again)", capture_id, exc)
            return
        self._done[capture_id] = task.result()
        while len(self._done) > KEEP_RESULTS:
            self._done.popitem(last=False)

    async def _run(self, capture: dict[str, Any], settings: dict[str, Any]) -> Result:
        """The steps the capture still needs; a step the capture's own data breaks (the
        database refuses it as data, a voice note without words) gives the capture up at
        once, told, never retried."""
        try:
            return await self._steps(capture, settings)
        except Exception as exc:
            if (refused := refused_data(exc)) is None:
                raise
        log.warning("filing %s refused: %s", capture["id"], refused.message)
        sentence = refused.speech if isinstance(refused, NothingHeard) else REFUSED_SPEECH
        await self.steps.refuse(capture["id"], refused.message, sentence)
        return Result(refused=refused.message)

    async def _steps(self, capture: dict[str, Any], settings: dict[str, Any]) -> Result:
        """The steps the capture still needs (capture-process's switch)."""
        result: dict[str, Any] | None = None
        if not capture.get("transcript") and not capture.get("text"):
            capture, result = await self.steps.transcribe(capture)
        if result is None and not capture.get("category"):
            result = await self.steps.classify(capture)
            if result.get("question"):
                return Result(question={**result, "capture_id": capture["id"]})
        return Result(deliver=await self.steps.file_and_tell(capture["id"], result or {}, settings))

    async def _answer(
        self, capture_id: str, task: asyncio.Task[Result], within_s: float | None
    ) -> Outcome:
        done, _ = await asyncio.wait({task}, timeout=within_s)
        failed = task.exception() if done else None
        if isinstance(failed, Exception) and isinstance(
            database_error(failed), DatabaseUnavailable
        ):
            raise DatabaseUnavailable(DB_DOWN) from failed
        # Another failure leaves the capture untold: the answer is "on it", retry-pending files it.
        result = task.result() if done and failed is None else None
        if result is not None and result.question is not None:
            return _outcome(capture_id, None, running=False, result=result)
        awaited = await sql(self.steps.pool, "await_confirmation", {"capture_id": capture_id})
        return await self._told(capture_id, awaited, running=not done, result=result)

    async def _told(self, capture_id: str, awaited: dict[str, Any], *, running: bool,
                    result: Result | None) -> Outcome:  # fmt: skip
        """The answer await_confirmation gave, with the "on it" sentence when deferred."""
        answer = dict(awaited["answer"])
        if awaited.get("deferred"):
            answer["speech"] = await self.steps.sentence(awaited.get("speech_request"))
        outcome = _outcome(capture_id, answer, running=running, result=result)
        return outcome.model_copy(update={"deferred": bool(awaited.get("deferred"))})


def _seconds_until(moment: datetime) -> float:
    return max(0.0, (moment - datetime.now(moment.tzinfo)).total_seconds())


def _stored_result(capture: dict[str, Any]) -> Result | None:
    """A capture told before, as its filing ended: refused, or nothing particular."""
    error = capture.get("last_error") or ""
    if capture.get("status") == "failed" and error.startswith(REFUSED):
        return Result(refused=error.removeprefix(REFUSED))
    return None


def _outcome(capture_id: str, answer: dict[str, Any] | None, *, running: bool,
             result: Result | None) -> Outcome:  # fmt: skip
    """The outcome to hand n8n; a refused capture's answer is a 422 that carries the error
    envelope beside the capture's answer (status failed, the French sentence)."""
    status = 200
    if result is not None and result.refused is not None:
        status = 422
        error = {"code": "refused_input", "message": f"the capture cannot be stored as sent, "
                 f"and is given up (not retried): {result.refused}"}  # fmt: skip
        answer = {**(answer or {"capture_id": capture_id}), "error": error}
    return Outcome(
        capture_id=capture_id, status_code=status, answer=answer, deferred=False, running=running,
        question=result.question if result else None, deliver=bool(result and result.deliver),
    )  # fmt: skip
