"""One notification to every subscribed device: the payload is built once, each device gets its
own encrypted copy in parallel, and what each push service answered is written back (a 404 or
410 drops that subscription).

The payload is JSON `{title, body, url, tag, audio_url, at}` and stays under 3 KB: the app
shows it, then fetches the details when it is opened.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime

from solo_brain.errors import InvalidRequest
from solo_brain.mesh.clients.webpush import MAX_PAYLOAD_BYTES, Subscription, WebPushClient
from solo_brain.mesh.errors import SubscriptionGone, WebPushError
from solo_brain.mesh.models.phone import NotifyIn, NotifyOut
from solo_brain.mesh.store import Pool
from solo_brain.mesh.store import push as push_store

log = logging.getLogger(__name__)


def payload_of(message: NotifyIn) -> bytes:
    """The JSON the service worker receives; InvalidRequest when over 3 KB."""
    data = {
        "title": message.title,
        "body": message.body,
        "url": message.url,
        "tag": message.tag,
        "audio_url": message.audio_url,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    raw = json.dumps({k: v for k, v in data.items() if v is not None}, ensure_ascii=False).encode()
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise InvalidRequest(
            f"the notification is {len(raw)} bytes of JSON; keep it under {MAX_PAYLOAD_BYTES}"
        )
    return raw


class PushService:
    """The hub's Web Push: its client (VAPID key inside) and the subscriptions in Postgres."""

    def __init__(self, pool: Pool, client: WebPushClient, default_ttl_s: int) -> None:
        self.pool = pool
        self.client = client
        self.default_ttl_s = default_ttl_s

    async def notify(self, message: NotifyIn) -> NotifyOut:
        """Send `message` to every live subscription; count what happened."""
        payload = payload_of(message)
        subs = await push_store.live_subscriptions(self.pool)
        ttl = self.default_ttl_s if message.ttl_s is None else message.ttl_s
        topic = _topic(message.tag)
        outcomes = await asyncio.gather(
            *(self._send_one(row, payload, ttl, message.urgency, topic) for row in subs)
        )
        return NotifyOut(
            subscriptions=len(subs),
            sent=outcomes.count("sent"),
            dropped=outcomes.count("dropped"),
            failed=outcomes.count("failed"),
        )

    async def _send_one(
        self, row: dict[str, str], payload: bytes, ttl: int, urgency: str, topic: str | None
    ) -> str:
        sub = Subscription(row["endpoint"], row["p256dh"], row["auth"])
        try:
            await self.client.send(sub, payload, ttl_s=ttl, urgency=urgency, topic=topic)
        except SubscriptionGone:
            log.info("push subscription of %s is gone: dropped", row["device"])
            await push_store.record_outcome(self.pool, row["id"], None, gone=True)
            return "dropped"
        except WebPushError as exc:
            log.warning("push to %s failed: %s", row["device"], exc.message)
            await push_store.record_outcome(self.pool, row["id"], exc.message, gone=False)
            return "failed"
        await push_store.record_outcome(self.pool, row["id"], None, gone=False)
        return "sent"


def _topic(tag: str | None) -> str | None:
    # A Topic replaces an undelivered message with the same one (RFC 8030 §5.4): 32 url-safe
    # base64 characters at most.
    if not tag:
        return None
    cleaned = "".join(c for c in tag if c.isascii() and (c.isalnum() or c in "-_"))
    return cleaned[:32] or None
