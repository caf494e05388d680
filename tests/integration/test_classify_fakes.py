"""The model fakes speak the real wire formats: the real `ollama` client and httpx agree."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import ollama
import pytest

from solo_brain.classify.answer import answer_schema
from tests.fakes.ollama import OllamaState
from tests.support.classify import MODEL, answer, fake_gateway, fake_ollama

MESSAGES = [{"role": "user", "content": "une note"}]


async def test_streamed_chat_reassembles_to_the_scripted_answer() -> None:
    """With stream true the NDJSON chunks concatenate to the answer; the last one is done."""
    with fake_ollama() as (state, url):
        state.reply(answer())
        client = ollama.AsyncClient(host=url)
        stream: AsyncIterator[ollama.ChatResponse] = await client.chat(
            model=MODEL, messages=MESSAGES, format=answer_schema(), stream=True
        )
        chunks = [chunk async for chunk in stream]
        await client.close()
    assert json.loads("".join(c.message.content or "" for c in chunks)) == answer()
    assert [c.done for c in chunks][-2:] == [False, True]
    assert chunks[-1].done_reason == "stop" and chunks[-1].eval_count


async def test_unknown_model_is_a_404_like_ollama() -> None:
    """A model that is not pulled is answered 404 with Ollama's message."""
    with fake_ollama() as (_, url):
        client = ollama.AsyncClient(host=url)
        with pytest.raises(ollama.ResponseError) as caught:
            await client.chat(model="llama9:1b", messages=MESSAGES, stream=False)
        await client.close()
    assert caught.value.status_code == 404
    assert "not found, try pulling it first" in caught.value.error


def test_script_that_breaks_the_requested_schema_is_the_tests_bug() -> None:
    """A scripted answer outside the schema the client sent is refused and recorded."""
    with fake_ollama() as (state, url):
        state.reply({"category": "todo"})
        response = httpx.post(
            f"{url}/api/chat",
            json={"model": MODEL, "messages": MESSAGES, "format": answer_schema(), "stream": False},
        )
    assert response.status_code == 500
    assert state.script_errors == [
        "scripted answer breaks the requested schema: 'summary' is a required property"
    ]


def test_ollama_fake_lists_models_and_version() -> None:
    """/api/tags names the pulled models, /api/version answers a version."""
    with fake_ollama() as (state, url):
        state.models.append("llama3.2:latest")
        tags = httpx.get(f"{url}/api/tags").json()
        version = httpx.get(f"{url}/api/version").json()
    assert [m["model"] for m in tags["models"]] == [MODEL, "llama3.2:latest"]
    assert version == {"version": OllamaState().version}


def test_gateway_fake_answers_in_openai_format_and_streams() -> None:
    """Completions carry choices and usage; with stream true, SSE chunks end with [DONE]."""
    with fake_gateway() as (state, url):
        state.reply(answer(), answer())
        headers = {"Authorization": "Bearer sk-test"}
        body = {"model": "deepseek-chat", "messages": MESSAGES}
        completion = httpx.post(f"{url}/v1/chat/completions", json=body, headers=headers).json()
        streamed = httpx.post(
            f"{url}/v1/chat/completions", json=body | {"stream": True}, headers=headers
        ).text
        refused = httpx.post(f"{url}/v1/chat/completions", json=body)
    assert completion["object"] == "chat.completion"
    assert json.loads(completion["choices"][0]["message"]["content"]) == answer()
    assert completion["usage"]["total_tokens"] > 0
    events = [line[6:] for line in streamed.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    pieces = [json.loads(e)["choices"][0]["delta"].get("content", "") for e in events[:-1]]
    assert json.loads("".join(pieces)) == answer()
    assert refused.status_code == 401
    assert refused.json()["error"]["type"] == "auth_error"
