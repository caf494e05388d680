"""ExternalClassifier: the OpenAI-compatible request it sends and its errors (respx)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from solo_brain.classify.answer import answer_schema
from solo_brain.classify.clients.external import ExternalClassifier, api_base
from solo_brain.classify.errors import ExternalLLMError

BASE = "http://litellm.test:4000"
MESSAGES = [{"role": "user", "content": "une idée publique"}]
VALID: dict[str, Any] = {
    "category": "idee_rd",
    "project": None,
    "client": None,
    "summary": "Une idée",
    "actions": [],
    "cc_prompt": None,
}


def _completion(content: str) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": "deepseek-chat",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
        },
    )


async def _classify(**kwargs: Any) -> Any:
    async with httpx.AsyncClient(base_url=api_base(BASE)) as http:
        classifier = ExternalClassifier(
            http, model="deepseek-chat", api_key="sk-test", timeout_s=5, **kwargs
        )
        return await classifier.classify(MESSAGES)


@pytest.mark.parametrize("url", [BASE, f"{BASE}/", f"{BASE}/v1", f"{BASE}/v1/"])
def test_api_base_ends_in_v1_once(url: str) -> None:
    """Whether or not EXTERNAL_LLM_URL ends in /v1, requests go to <server>/v1/..."""
    assert api_base(url) == f"{BASE}/v1/"


@respx.mock
async def test_request_is_an_openai_json_schema_completion_with_the_key() -> None:
    """The body asks for a json_schema response at temperature 0, with the bearer key."""
    route = respx.post(f"{BASE}/v1/chat/completions").mock(
        return_value=_completion(json.dumps(VALID))
    )
    answer, _ = await _classify()
    assert answer.category == "idee_rd"
    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer sk-test"
    body = json.loads(request.content)
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "classification", "schema": answer_schema()},
    }
    assert (body["model"], body["messages"], body["temperature"]) == (
        "deepseek-chat",
        MESSAGES,
        0,
    )


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (
            httpx.Response(401, json={"error": {"message": "bad key", "type": "auth_error"}}),
            "401: bad key",
        ),
        (httpx.Response(429, json={"error": "rate limited"}), "429: rate limited"),
        (httpx.Response(200, json={"object": "list"}), "not a chat completion"),
        (httpx.ConnectError("refused"), "unreachable"),
    ],
)
@respx.mock
async def test_failures_become_external_errors(reply: Any, message: str) -> None:
    """Gateway errors, malformed replies and refused connections raise ExternalLLMError."""
    route = respx.post(f"{BASE}/v1/chat/completions")
    if isinstance(reply, Exception):
        route.mock(side_effect=reply)
    else:
        route.mock(return_value=reply)
    with pytest.raises(ExternalLLMError) as caught:
        await _classify()
    assert message in caught.value.message
