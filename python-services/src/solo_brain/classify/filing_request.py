"""The capture request as the webhook received it: its form fields checked as the capture API
documents them, and its bearer token checked when the capture webhook requires one."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from solo_brain.classify.models import MAX_TEXT_CHARS
from solo_brain.db.pool import DictPool
from solo_brain.errors import Forbidden, InvalidRequest
from solo_brain.mesh.store.tokens import verify_token

CHANNELS = ("siri", "pwa", "api", "email")
_CAPTURE_ID = re.compile(r"^cap_[0-9A-HJKMNP-TV-Z]{26}$")
USAGE = (
    "send a multipart file field audio or a field text; optional: hint, mode (voice|text), "
    "channel (siri|pwa|api|email), capture_id (cap_ + 26 characters, for retries)"
)
_FIELDS = ("text", "hint", "mode", "channel", "capture_id", "public")
# What the classifier takes (ClassifyRequest): longer, the capture could be kept but never filed.
_LONGEST = {"text": MAX_TEXT_CHARS, "hint": 500}


def capture_fields(request: dict[str, Any] | None, audio_ref: str | None) -> dict[str, Any]:
    """The request's capture fields, or InvalidRequest (the webhook's 400) naming what to send."""
    fields = {k: v for k, v in (request or {}).items() if k in _FIELDS and v is not None}
    for name, value in fields.items():
        if not isinstance(value, str | bool | int):
            raise InvalidRequest(f"{name} must be a string; {USAGE}")
        fields[name] = str(value).lower() if isinstance(value, bool) else str(value)
    if not fields.get("text", "").strip() and not audio_ref:
        raise InvalidRequest(USAGE)
    if fields.get("capture_id") and not _CAPTURE_ID.match(fields["capture_id"]):
        raise InvalidRequest(USAGE)
    if fields.get("channel") and fields["channel"] not in CHANNELS:
        raise InvalidRequest(USAGE)
    for name, longest in _LONGEST.items():
        if len(fields.get(name, "")) > longest:
            raise InvalidRequest(f"{name} is longer than {longest} characters")
    return fields


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


async def check_capture_token(pool: DictPool, expected: str | None, header: str | None) -> None:
    """Nothing when the webhook requires no token (`expected` unset: nginx checks it) or the
    header carries it (CAPTURE_WEBHOOK_TOKEN, or a live hub token of scope `capture`);
    Forbidden otherwise, as n8n's header auth answered."""
    if not expected:
        return
    scheme, _, token = (header or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        if hmac.compare_digest(_digest(token), _digest(expected)):
            return
        info = await verify_token(pool, token)
        if info is not None and info.allows("capture"):
            return
    raise Forbidden("a capture needs Authorization: Bearer <the capture token>")
