"""Answering a question aloud from its facts: the LOCAL model only, the facts' sentence otherwise.

A question is about the user's own data (clients included), so it never goes to the external
model, whatever its tags: the privacy guard's strictest case. The model gets the question and
the facts (`facts.fact_lines`), nothing else, and must answer `{"speech": ...}` in one or two
spoken French sentences. When Ollama is not configured, down, slower than ANSWER_TIMEOUT_S or
unusable, `facts.fallback_speech` answers: the caller always gets a sentence.
"""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import ollama
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from solo_brain.classify.answer import extract_json_text
from solo_brain.classify.facts import AnswerRequest, AnswerResult, fact_lines, fallback_speech

log = logging.getLogger(__name__)

MAX_SPEECH_CHARS = 400

SYSTEM_PROMPT = """\
Tu es l'assistant vocal d'un ingénieur indépendant. Tu réponds à sa question en une ou deux
phrases courtes en français, faites pour être lues à voix haute : pas de liste, pas de
markdown, pas d'emoji. Tu utilises UNIQUEMENT les faits donnés ; s'ils ne contiennent pas la
réponse, dis-le simplement. N'invente ni rendez-vous, ni action, ni date. Tutoie-le.
Réponds uniquement avec un objet JSON {"speech": "..."}.
"""


class SpokenAnswer(BaseModel):
    """What the model must answer."""

    model_config = ConfigDict(extra="forbid")

    speech: str = Field(min_length=1, max_length=MAX_SPEECH_CHARS)


def answer_messages(request: AnswerRequest, tz: str) -> list[dict[str, str]]:
    """The chat messages: the instructions, then the question and its facts only."""
    facts = "\n".join(fact_lines(request.facts, tz))
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"Question posée : {request.question}\n\nFaits :\n{facts}"},
    ]


class QuestionAnswerer:
    """Answers questions with the local Ollama model, or from the facts alone."""

    def __init__(self, client: ollama.AsyncClient | None, model: str, *, timeout_s: float) -> None:
        self._client = client
        self._model = model
        self._timeout_s = timeout_s

    async def answer(self, request: AnswerRequest, tz: str) -> AnswerResult:
        """The spoken answer; the facts' own sentence when the model gives none in time."""
        if self._client is not None:
            try:
                async with asyncio.timeout(self._timeout_s):
                    speech = await self._ask(answer_messages(request, tz))
                return AnswerResult(speech=speech, answered_by=f"ollama:{self._model}")
            except TimeoutError:
                log.warning("no answer from Ollama within %g s: answering from the facts",
                            self._timeout_s)  # fmt: skip
            except (ollama.ResponseError, ConnectionError, httpx.HTTPError, ValueError) as exc:
                log.warning("Ollama could not answer (%s): answering from the facts", exc)
        return AnswerResult(speech=fallback_speech(request.facts, tz), answered_by="facts")

    async def _ask(self, messages: list[dict[str, str]]) -> str:
        assert self._client is not None
        response = await self._client.chat(
            model=self._model,
            messages=messages,
            format=SpokenAnswer.model_json_schema(),
            stream=False,
            options={"temperature": 0},
            think=False,
        )
        raw = response.message.content or response.message.thinking or ""
        try:
            return SpokenAnswer.model_validate(json.loads(extract_json_text(raw))).speech.strip()
        except (json.JSONDecodeError, ValidationError) as exc:
            raise ValueError(f"unusable answer: {raw[:200]!r}") from exc
