"""Request and response bodies of `/api/tokens`: the Siri Shortcut's token, made from the phone
(scope `capture` only), listed without its secret, revoked."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TokenIn(BaseModel):
    """The new token's name (what the settings screen and the audit trail show)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, pattern=r"\S")


class TokenOut(BaseModel):
    """A token as listed: never its secret."""

    id: str
    name: str
    scope: Literal["capture"]
    created_at: datetime
    last_used_at: datetime | None


class NewTokenOut(TokenOut):
    """The token just made: its secret, shown this once, and the URL the Shortcut posts to."""

    token: str = Field(description="the bearer token (sbt_...): shown once, stored hashed")
    capture_url: str = Field(description="<PUBLIC_HUB_URL>/api/capture")
