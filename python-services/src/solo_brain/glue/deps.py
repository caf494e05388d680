"""Dependencies of the glue routes, so that route signatures read like prose.

async def speak(body: SpeakRequest, settings: Settings, store: Store, kokoro: Kokoro): ...
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from solo_brain.glue.clients.graph import GraphClient
from solo_brain.glue.clients.kokoro import KokoroClient
from solo_brain.glue.clients.whisper import WhisperClient
from solo_brain.media import MediaStore
from solo_brain.settings import GlueSettings


def _settings(request: Request) -> GlueSettings:
    return request.app.state.settings


def _store(request: Request) -> MediaStore:
    return request.app.state.store


def _whisper(request: Request) -> WhisperClient:
    return request.app.state.whisper


def _kokoro(request: Request) -> KokoroClient:
    return request.app.state.kokoro


def _graph(request: Request) -> GraphClient:
    return request.app.state.graph


Settings = Annotated[GlueSettings, Depends(_settings)]
Store = Annotated[MediaStore, Depends(_store)]
Whisper = Annotated[WhisperClient, Depends(_whisper)]
Kokoro = Annotated[KokoroClient, Depends(_kokoro)]
Graph = Annotated[GraphClient, Depends(_graph)]
