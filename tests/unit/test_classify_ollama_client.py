"""OllamaClassifier: what it sends to /api/chat, the one retry, and its errors (respx)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import ollama
import pytest
import respx

from solo_brain.classify.answer import answer_schema
from solo_brain.classify.clients.ollama import OllamaClassifier
from solo_brain.classify.errors import InvalidAnswer, OllamaError

BASE = "http://ollama.test:11434"
MODEL = "qwen3.6:35b"
MESSAGES = [{"role": "system", "content": "classe"}, {"role": "user", "content": "une note"}]
VALID: dict[str, Any] = {
    "category": "todo",
    "project": None,
    "client": None,
    "summary": "Appeler Paul",
    "actions": [{"text": "appeler Paul", "due_phrase": "demain"}],
    "cc_prompt": None,
}


def _chat_reply(content: str) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "model": MODEL,
            "created_at": "2026-05-13T08:00:00.000000Z",
            "message": {"role": "assistant", "content": content},
            "done": True,
            "done_reason": "stop",
            "total_duration": 1000,
        },
    )


def _classifier(**kwargs: Any) -> OllamaClassifier:
    return OllamaClassifier(ollama.AsyncClient(host=BASE), MODEL, timeout_s=5, **kwargs)


def _body(call: Any) -> dict[str, Any]:
    return json.loads(call.request.content)


@respx.mock
async def test_request_asks_for_the_schema_without_streaming_or_thinking() -> None:
    """The chat request carries the answer schema as format, stream false, temperature 0."""
    route = respx.post(f"{BASE}/api/chat").mock(return_value=_chat_reply(json.dumps(VALID)))
    answer, repairs = await _classifier().classify(MESSAGES)
    assert (answer.summary, repairs) == ("Appeler Paul", [])
    body = _body(route.calls.last)
    assert body["model"] == MODEL
    assert body["messages"] == MESSAGES
    assert body["format"] == answer_schema()
    assert (body["stream"], body["think"], body["options"]) == (False, False, {"temperature": 0})


@respx.mock
async def test_unusable_answer_is_retried_once_with_the_problem() -> None:
    """After broken JSON the model is asked again, shown its answer and what was wrong."""
    route = respx.post(f"{BASE}/api/chat").mock(
        side_effect=[_chat_reply("{pas du json"), _chat_reply(json.dumps(VALID))]
    )
    answer, _ = await _classifier().classify(MESSAGES)
    assert answer.category == "todo"
    follow_up = _body(route.calls[1])["messages"]
    assert follow_up[:2] == MESSAGES
    assert follow_up[2] == {"role": "assistant", "content": "{pas du json"}
    assert "not valid JSON" in follow_up[3]["content"]


@respx.mock
async def test_two_unusable_answers_raise() -> None:
    """A second unusable answer raises InvalidAnswer, after exactly two requests."""
    route = respx.post(f"{BASE}/api/chat").mock(
        return_value=_chat_reply(json.dumps({"category": 42}))
    )
    with pytest.raises(InvalidAnswer):
        await _classifier().classify(MESSAGES)
    assert route.call_count == 2


@respx.mock
async def test_old_ollama_refusing_think_is_asked_again_without_it() -> None:
    """A 400 "does not support thinking" drops `think` for this and every later request."""
    refusal = httpx.Response(400, json={"error": f'"{MODEL}" does not support thinking'})
    route = respx.post(f"{BASE}/api/chat").mock(
        side_effect=[refusal, _chat_reply(json.dumps(VALID)), _chat_reply(json.dumps(VALID))]
    )
    classifier = _classifier()
    await classifier.classify(MESSAGES)
    await classifier.classify(MESSAGES)
    assert [("think" in _body(c)) for c in route.calls] == [True, False, False]


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (httpx.Response(404, json={"error": f'model "{MODEL}" not found'}), "404"),
        (httpx.Response(500, json={"error": "CUDA out of memory"}), "CUDA out of memory"),
        (httpx.ConnectError("refused"), "unreachable"),
        (httpx.ReadTimeout("slow"), "unreachable"),
        (httpx.Response(200, text="<html>proxy</html>"), "not a chat reply"),
    ],
)
@respx.mock
async def test_failures_become_ollama_errors(reply: Any, message: str) -> None:
    """HTTP errors, refused connections, timeouts and non-JSON replies all raise OllamaError."""
    if isinstance(reply, Exception):
        respx.post(f"{BASE}/api/chat").mock(side_effect=reply)
    else:
        respx.post(f"{BASE}/api/chat").mock(return_value=reply)
    with pytest.raises(OllamaError) as caught:
        await _classifier().classify(MESSAGES)
    assert message in caught.value.message


@respx.mock
async def test_readiness_names_a_model_that_is_not_pulled() -> None:
    """check() is None when the model is listed by /api/tags, else names what is there."""
    tags = respx.get(f"{BASE}/api/tags")
    tags.mock(return_value=httpx.Response(200, json={"models": [{"model": MODEL, "name": MODEL}]}))
    assert await _classifier().check() is None
    tags.mock(return_value=httpx.Response(200, json={"models": [{"model": "llama3.2:latest"}]}))
    assert await _classifier().check() == f"model {MODEL} is not pulled (have: llama3.2:latest)"
    tags.mock(side_effect=httpx.ConnectError("refused"))
    reason = await _classifier().check()
    assert reason is not None and "unreachable" in reason
