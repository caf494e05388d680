"""The local model: Ollama `/api/chat` with the answer's JSON schema as `format`.

The `ollama` package's AsyncClient is injected (built in the app's lifespan, or in tests with
any httpx transport), so this class only decides what to send and translates every failure of
the lower library into OllamaError.
"""

from __future__ import annotations

import logging

import httpx
import ollama

from solo_brain.classify.answer import ModelAnswer, answer_schema
from solo_brain.classify.clients import Messages, ask_in_time
from solo_brain.classify.errors import OllamaError

log = logging.getLogger(__name__)


class OllamaClassifier:
    """Classify notes with a local Ollama model; one instance per service."""

    def __init__(
        self,
        client: ollama.AsyncClient,
        model: str,
        *,
        timeout_s: float,
        think: bool | None = False,
    ) -> None:
        self._client = client
        self._model = model
        self._timeout_s = timeout_s
        # Thinking is switched off: it is slow and `format` + `think` is unreliable. Ollama
        # versions before 0.12.5 reject `think` for models that cannot think; then we omit it.
        self._think = think
        self._schema = answer_schema()

    @property
    def name(self) -> str:
        """ "ollama:<model>"."""
        return f"ollama:{self._model}"

    async def classify(self, messages: Messages) -> tuple[ModelAnswer, list[str]]:
        """The validated answer (retried once when unusable) within the time limit."""
        late = OllamaError(f"Ollama gave no answer within {self._timeout_s:g} s")
        return await ask_in_time(self._chat, messages, self._timeout_s, late)

    async def _chat(self, messages: Messages) -> str:
        try:
            response = await self._client.chat(
                model=self._model,
                messages=messages,
                format=self._schema,
                stream=False,
                options={"temperature": 0},
                think=self._think,
            )
        except ollama.ResponseError as exc:
            if self._think is not None and exc.status_code == 400 and "think" in exc.error:
                log.info("Ollama rejects the think option for %s; omitting it", self._model)
                self._think = None
                return await self._chat(messages)
            raise OllamaError(f"Ollama answered {exc.status_code}: {exc.error}") from exc
        except (ConnectionError, httpx.HTTPError) as exc:
            raise OllamaError(f"Ollama is unreachable: {exc or type(exc).__name__}") from exc
        except ValueError as exc:  # not JSON, or not a chat response
            raise OllamaError(f"Ollama answered something that is not a chat reply: {exc}") from exc
        # A model that ignores think=false may put everything in `thinking`.
        return response.message.content or response.message.thinking or ""

    async def check(self) -> str | None:
        """None when Ollama answers and has the model pulled, else why not."""
        try:
            listing = await self._client.list()
        except ollama.ResponseError as exc:
            return f"Ollama answered {exc.status_code}: {exc.error}"
        except (ConnectionError, httpx.HTTPError) as exc:
            return f"Ollama is unreachable: {exc or type(exc).__name__}"
        names = {m.model for m in listing.models if m.model}
        if self._model in names or f"{self._model}:latest" in names:
            return None
        return f"model {self._model} is not pulled (have: {', '.join(sorted(names)) or 'none'})"
