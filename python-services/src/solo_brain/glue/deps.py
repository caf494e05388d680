"""Dependencies of the glue routes, so that route signatures read like prose."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from solo_brain.glue.kokoro import KokoroClient
from solo_brain.glue.whisper import WhisperClient
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


Settings = Annotated[GlueSettings, Depends(_settings)]
Store = Annotated[MediaStore, Depends(_store)]
Whisper = Annotated[WhisperClient, Depends(_whisper)]
Kokoro = Annotated[KokoroClient, Depends(_kokoro)]
