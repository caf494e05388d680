"""One classification, start to finish.

1. Read the catalog (projects, clients) fresh from Postgres.
2. Detect clients deterministically in the text and hint, then let the privacy guard choose
   which backends may read the note (`privacy.choose_backend`).
3. Ask each allowed backend in turn; the heuristic answers when every model failed.
4. Check the answer against the catalog (unknown names mapped through aliases or dropped; a
   project implies its client), add what the rules see that the model missed, resolve due
   phrases with `resolve_due`, and phrase the confirmation read aloud. A question about the
   user's own data gets no actions and the period it names (`questions.resolve_period`).

A note longer than READ_CHARS (a long dictation) is classified from its beginning, cut at a
word, and marked to review; the privacy guard still reads all of it for clients.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

import psycopg
import psycopg_pool

from solo_brain.catalog import Project
from solo_brain.classify.answer import ModelAnswer
from solo_brain.classify.catalog_index import CatalogIndex, load_catalog
from solo_brain.classify.cc_prompt import CcPrompt, find_cc_prompt
from solo_brain.classify.clients import ModelClassifier
from solo_brain.classify.dates import local_today
from solo_brain.classify.errors import CatalogUnavailable, ClassifierError
from solo_brain.classify.heuristic import classify_heuristically
from solo_brain.classify.models import (
    READ_CHARS,
    Action,
    ClassifyRequest,
    ClassifyResult,
    Question,
)
from solo_brain.classify.privacy import Backend, choose_backend
from solo_brain.classify.prompt import build_messages
from solo_brain.classify.questions import find_period_phrase, resolve_period
from solo_brain.classify.speech import build_speech
from solo_brain.classify.times import resolve_due_at
from solo_brain.db.pool import DictPool

log = logging.getLogger(__name__)


def beginning(text: str, limit: int = READ_CHARS) -> str:
    """The first `limit` characters of `text`, without a word cut in two (the whole text
    when it is not longer)."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    if not head[-1].isspace() and not text[limit].isspace():  # a word cut in two: drop it
        parts = head.rsplit(None, 1)
        head = parts[0] if len(parts) == 2 else head
    return head.rstrip()


def resolved_action(text: str, due_phrase: str | None, now: datetime, tz: str) -> Action:
    """An action whose day and time of day are resolved from its spoken due phrase."""
    due, at = resolve_due_at(due_phrase, now, tz)
    return Action(
        text=text, due=due, due_time=at.strftime("%H:%M") if at else None, due_phrase=due_phrase
    )


@dataclass
class Reviewed:
    """A model's (or the rules') answer once checked against the catalog."""

    project: Project | None
    client_id: str | None
    repairs: list[str]


def check_against_catalog(
    answer: ModelAnswer, catalog: CatalogIndex, text: str, hint: str | None
) -> Reviewed:
    """Only known slugs survive; a project implies its client; the text fills what is missing."""
    repairs: list[str] = []
    project = catalog.resolve_project(answer.project)
    if answer.project and project is None:
        repairs.append(f"unknown project {answer.project!r} dropped")
    if project is None:
        mentioned = catalog.mentioned_projects(text, hint)
        project = mentioned[0] if mentioned else None
    client = catalog.resolve_client(answer.client)
    if answer.client and client is None:
        repairs.append(f"unknown client {answer.client!r} dropped")
    if project is not None and project.client_id:
        if client is not None and client.id != project.client_id:
            repairs.append(f"client {client.id!r} replaced by {project.client_id!r}, the project's")
        return Reviewed(project, project.client_id, repairs)
    if client is None:
        mentioned_clients = catalog.mentioned_clients(text, hint)
        client = mentioned_clients[0] if mentioned_clients else None
    return Reviewed(project, client.id if client else None, repairs)


class ClassifyService:
    """Classifies notes with the backends the privacy guard allows; never invents a slug."""

    def __init__(
        self,
        pool: DictPool,
        *,
        default_tz: str,
        ollama: ModelClassifier | None,
        external: ModelClassifier | None,
    ) -> None:
        self._pool = pool
        self._default_tz = default_tz
        self._ollama = ollama
        self._external = external

    async def catalog(self) -> CatalogIndex:
        """The current projects and clients; CatalogUnavailable when Postgres cannot say."""
        try:
            return await load_catalog(self._pool)
        except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
            raise CatalogUnavailable(f"the projects and clients could not be read: {exc}") from exc

    async def classify(self, request: ClassifyRequest) -> ClassifyResult:
        """Classify one note (see the module docstring for the steps)."""
        tz = request.tz or self._default_tz
        now = request.now or datetime.now(ZoneInfo(tz))
        catalog = await self.catalog()
        detected = catalog.detected_client_ids(request.text, request.hint)  # all of it: privacy
        words = beginning(request.text)
        read = request.model_copy(update={"text": words})
        plan = choose_backend(
            public=request.public,
            detected_clients=detected,
            external_configured=self._external is not None,
            ollama_configured=self._ollama is not None,
        )
        answer, classifier, repairs = await self._ask(plan, read, catalog)
        reviewed = check_against_catalog(answer, catalog, words, request.hint)
        repairs += reviewed.repairs
        long_note = len(words) < len(request.text)
        if long_note:
            repairs.append(f"only the first {len(words)} of {len(request.text)} characters read")
        needs_review = classifier == Backend.HEURISTIC or bool(repairs)
        if repairs:
            log.info(
                "capture %s: answer repaired: %s", request.capture_id or "-", "; ".join(repairs)
            )
        cc_prompt = find_cc_prompt(words) or (
            CcPrompt(**answer.cc_prompt.model_dump()) if answer.cc_prompt else None
        )
        question = None
        if answer.question is not None and cc_prompt is None:
            # Answered, never filed: a question asks for nothing to do.
            phrase = answer.question.period_phrase or find_period_phrase(words)
            period = resolve_period(phrase, now, tz)
            question = Question(
                period_phrase=phrase,
                start=period.start if period else None,
                end=period.end if period else None,
            )
        actions = [
            resolved_action(a.text, a.due_phrase, now, tz)
            for a in ([] if question else answer.actions)
        ]
        client = catalog.client(reviewed.client_id)
        speech = build_speech(
            category=answer.category,
            project_name=reviewed.project.name if reviewed.project else None,
            client_name=client.name if client else None,
            dues=[a.due for a in actions],
            due_times=[time.fromisoformat(a.due_time) if a.due_time else None for a in actions],
            session_hint=cc_prompt.session_hint if cc_prompt else None,
            today=local_today(now, tz),
            needs_review=needs_review,
            long_note=long_note,
        )
        return ClassifyResult(
            category=answer.category,
            project=reviewed.project.slug if reviewed.project else None,
            client_id=reviewed.client_id,
            summary=answer.summary,
            actions=actions,
            cc_prompt=cc_prompt,
            speech=speech,
            classifier=classifier,
            needs_review=needs_review,
            question=question,
        )

    async def _ask(
        self, plan: list[Backend], request: ClassifyRequest, catalog: CatalogIndex
    ) -> tuple[ModelAnswer, str, list[str]]:
        for backend in plan:
            model = {Backend.OLLAMA: self._ollama, Backend.EXTERNAL: self._external}.get(backend)
            if model is None:
                break
            # The external model is never told about clients or their projects.
            shown = catalog.without_clients() if backend == Backend.EXTERNAL else catalog
            messages = build_messages(
                request.text, hint=request.hint, source=request.source, catalog=shown
            )
            try:
                answer, repairs = await model.classify(messages)
            except ClassifierError as exc:
                log.warning("capture %s: %s failed: %s", request.capture_id or "-", model.name, exc)
                continue
            return answer, model.name, repairs
        answer = classify_heuristically(request.text, request.hint, catalog)
        return answer, Backend.HEURISTIC.value, []
