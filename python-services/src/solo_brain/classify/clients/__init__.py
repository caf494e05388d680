"""Clients of the model backends, one module each (ollama, external), and what they share: the
classify call every backend offers, and the validate-then-retry-once loop.

A backend only has to send chat messages and return the model's raw text; `ask_for_answer`
validates it, and on an unusable answer asks once more with the problem spelled out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from solo_brain.classify.answer import ModelAnswer, parse_answer
from solo_brain.classify.errors import ClassifierError, InvalidAnswer
from solo_brain.classify.prompt import retry_message

log = logging.getLogger(__name__)

Messages = list[dict[str, str]]
Chat = Callable[[Messages], Awaitable[str]]

# What is echoed back to the model of its own unusable answer on the retry.
MAX_ECHO_CHARS = 4000


class ModelClassifier(Protocol):
    """A model that classifies a note from chat messages."""

    @property
    def name(self) -> str:
        """How the result names this classifier, e.g. "ollama:qwen3.6:35b"."""
        ...

    async def classify(self, messages: Messages) -> tuple[ModelAnswer, list[str]]:
        """The validated answer and its repairs; raises ClassifierError when there is none."""
        ...

    async def check(self) -> str | None:
        """None when the backend is ready, else a short reason."""
        ...


async def ask_for_answer(chat: Chat, messages: Messages) -> tuple[ModelAnswer, list[str]]:
    """Ask, validate, and on an unusable answer retry once with the validation error.

    Raises InvalidAnswer when the second answer is unusable too.
    """
    raw = await chat(messages)
    try:
        return parse_answer(raw)
    except InvalidAnswer as exc:
        follow_up = [
            *messages,
            {"role": "assistant", "content": raw[:MAX_ECHO_CHARS]},
            retry_message(exc.message),
        ]
    answer = parse_answer(await chat(follow_up))
    log.info("the model answered usably on its second try")
    return answer


async def ask_in_time(
    chat: Chat, messages: Messages, timeout_s: float, late: ClassifierError
) -> tuple[ModelAnswer, list[str]]:
    """`ask_for_answer` within `timeout_s` seconds, retry included; raise `late` past them."""
    try:
        async with asyncio.timeout(timeout_s):
            return await ask_for_answer(chat, messages)
    except TimeoutError as exc:
        raise late from exc
