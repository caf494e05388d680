"""The opt-in external model, reached through an OpenAI-compatible gateway (LiteLLM).

Only ever called for notes the user tagged public and in which no client was detected: that
decision is `privacy.choose_backend`, taken before this class is involved. The request is
`POST {base}/v1/chat/completions` with `response_format: {"type": "json_schema", ...}`.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from solo_brain.classify.answer import ModelAnswer, answer_schema
from solo_brain.classify.clients import Messages, ask_in_time
from solo_brain.classify.errors import ExternalLLMError


class _Message(BaseModel):
    content: str | None = None


class _Choice(BaseModel):
    message: _Message
    finish_reason: str | None = None


class ChatCompletion(BaseModel):
    """The part of an OpenAI chat completion this service reads."""

    model: str | None = None
    choices: list[_Choice]


def api_base(url: str) -> str:
    """The `/v1/` base of an OpenAI-compatible server, whether or not `url` already ends in /v1."""
    url = url.rstrip("/")
    return f"{url}/" if url.endswith("/v1") else f"{url}/v1/"


class ExternalClassifier:
    """Classify public notes with an external model behind an OpenAI-compatible gateway."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        model: str,
        api_key: str | None,
        timeout_s: float,
    ) -> None:
        """`http` has the gateway's /v1/ base URL (see `api_base`)."""
        self._http = http
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout_s = timeout_s
        self._response_format = {
            "type": "json_schema",
            "json_schema": {"name": "classification", "schema": answer_schema()},
        }

    @property
    def name(self) -> str:
        """ "external:<model>"."""
        return f"external:{self._model}"

    async def classify(self, messages: Messages) -> tuple[ModelAnswer, list[str]]:
        """The validated answer (retried once when unusable) within the time limit."""
        late = ExternalLLMError(f"the external model gave no answer within {self._timeout_s:g} s")
        return await ask_in_time(self._chat, messages, self._timeout_s, late)

    async def _chat(self, messages: Messages) -> str:
        body: dict[str, Any] = {
            "model": self._model,
            "messages": messages,
            "temperature": 0,
            "response_format": self._response_format,
        }
        response = await self._request("POST", "chat/completions", json=body)
        try:
            completion = ChatCompletion.model_validate_json(response.content)
        except ValidationError as exc:
            raise ExternalLLMError("the external model's reply is not a chat completion") from exc
        if not completion.choices:
            raise ExternalLLMError("the external model's reply has no choices")
        return completion.choices[0].message.content or ""

    async def check(self) -> str | None:
        """None when the gateway answers `GET /v1/models`, else why not."""
        try:
            await self._request("GET", "models")
        except ExternalLLMError as exc:
            return exc.message
        return None

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, path, headers=self._headers, **kwargs)
        except httpx.HTTPError as exc:
            raise ExternalLLMError(
                f"the external model is unreachable: {exc or type(exc).__name__}"
            ) from exc
        if response.status_code >= 400:
            raise ExternalLLMError(
                f"the external model answered {response.status_code}: {_error_text(response)}"
            )
        return response


def _error_text(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    error = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(error, dict):
        error = error.get("message", error)
    return str(error)[:200]
