"""Helpers shared by the classify tests: a seeded catalog, the fakes, the service on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import psycopg

from solo_brain.catalog import Client, Project, upsert_client, upsert_project
from solo_brain.classify.app import create_app
from tests.fakes.ollama import OllamaState
from tests.fakes.ollama import create_app as create_ollama
from tests.fakes.openai_compat import OpenAIState
from tests.fakes.openai_compat import create_app as create_gateway
from tests.fakes.server import serve
from tests.support.settings import classify_settings

MODEL = "qwen3.6:35b"
# A Wednesday morning in Paris.
NOW = "2026-05-13T10:00:00+02:00"


def seed_catalog(db: psycopg.Connection[Any]) -> None:
    """One client with a project, one personal project."""
    upsert_client(db, Client(id="acme", name="Acme Industries", aliases=["Acmé"]))
    upsert_project(
        db, Project(slug="lidar-fusion", name="Fusion lidar", client_id="acme", aliases=["nuage"])
    )
    upsert_project(db, Project(slug="imx8mp-vision", name="IMX8MP vision", aliases=["imx8"]))


def answer(**changes: Any) -> dict[str, Any]:
    """A valid model answer, with `changes` applied."""
    base: dict[str, Any] = {
        "category": "idee_rd",
        "project": "imx8mp-vision",
        "client": None,
        "summary": "Benchmarker le NPU du i.MX8MP",
        "actions": [{"text": "benchmarker le NPU 26 TOPS", "due_phrase": "vendredi"}],
        "cc_prompt": None,
    }
    return base | changes


@contextmanager
def classify_service(pg_dsn: str, **overrides: Any) -> Iterator[httpx.Client]:
    """The classify service on a loopback port (no .env, nothing from the environment)."""
    values: dict[str, Any] = {
        "DATABASE_URL": pg_dsn,
        "OLLAMA_URL": None,
        "OLLAMA_MODEL": MODEL,
        "OLLAMA_TIMEOUT_S": 10.0,
        "EXTERNAL_LLM_URL": None,
        "EXTERNAL_LLM_KEY": None,
        "EXTERNAL_LLM_MODEL": "deepseek-chat",
        "SOLO_BRAIN_TZ": "Europe/Paris",
    }
    values.update(overrides)
    settings = classify_settings(**values)
    with serve(create_app(settings)) as base, httpx.Client(base_url=base, timeout=30) as http:
        yield http


@contextmanager
def fake_ollama(**knobs: Any) -> Iterator[tuple[OllamaState, str]]:
    """The Ollama fake on a loopback port, with MODEL pulled."""
    state = OllamaState(models=[MODEL], **knobs)
    with serve(create_ollama(state)) as url:
        yield state, url


@contextmanager
def fake_gateway(**knobs: Any) -> Iterator[tuple[OpenAIState, str]]:
    """The OpenAI-compatible gateway fake on a loopback port, expecting key "sk-test"."""
    state = OpenAIState(api_key="sk-test", **knobs)
    with serve(create_gateway(state)) as url:
        yield state, url
