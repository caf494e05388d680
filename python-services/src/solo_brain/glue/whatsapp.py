"""WhatsApp Business deliveries, pure: check Meta's signature, flatten the payload.

A delivery is the raw body Meta POSTs (forwarded by QGAudio, then by n8n to the glue), signed with
`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app secret>`. Its messages
are under `entry[].changes[].value.messages[]`; status updates and unsupported types are skipped.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

from solo_brain.errors import InvalidRequest
from solo_brain.glue.models import Inbound, InboundMessage


def signature_is_valid(secret: str, body: bytes, header: str | None) -> bool:
    """True when `header` is `sha256=<hex HMAC-SHA256 of body with secret>` (constant time)."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header[len("sha256=") :].strip().lower().encode())


def normalise(payload: Any) -> Inbound:
    """Flatten Meta's `entry[].changes[].value.messages[]`; status updates are to be ignored."""
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise InvalidRequest("not a WhatsApp Business webhook payload (no entry list)")
    messages: list[InboundMessage] = []
    skipped: list[dict[str, str]] = []
    statuses = 0
    for entry in payload["entry"]:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value") or {}
            names = {c.get("wa_id"): (c.get("profile") or {}).get("name")
                     for c in value.get("contacts") or []}  # fmt: skip
            statuses += len(value.get("statuses") or [])
            for raw in value.get("messages") or []:
                message = _message(raw, names) if isinstance(raw, dict) else None
                if message is None:
                    skipped.append(_describe(raw))
                else:
                    messages.append(message)
    if messages:
        return Inbound(ignore=False, messages=messages, skipped=skipped)
    reason = "status update" if statuses else "no text or voice message"
    return Inbound(ignore=True, reason=reason, skipped=skipped)


def _describe(raw: Any) -> dict[str, str]:
    raw = raw if isinstance(raw, dict) else {}
    return {"message_id": str(raw.get("id")), "type": str(raw.get("type"))}


def _message(raw: dict[str, Any], names: dict[Any, Any]) -> InboundMessage | None:
    kind, sender, message_id = raw.get("type"), raw.get("from"), raw.get("id")
    if not isinstance(sender, str) or not isinstance(message_id, str):
        return None
    stamp = raw.get("timestamp")
    when = (
        datetime.fromtimestamp(int(stamp), UTC).isoformat()
        if isinstance(stamp, str | int) and str(stamp).isdigit()
        else None
    )
    common: dict[str, Any] = {"message_id": message_id, "from_": sender,
                              "name": names.get(sender), "timestamp": when}  # fmt: skip
    if kind == "text" and (raw.get("text") or {}).get("body"):
        return InboundMessage(type="text", text=raw["text"]["body"], **common)
    if kind == "audio" and (raw.get("audio") or {}).get("id"):
        audio = raw["audio"]
        return InboundMessage(type="audio", media_id=audio["id"], voice=bool(audio.get("voice")),
                              **common)  # fmt: skip
    return None
