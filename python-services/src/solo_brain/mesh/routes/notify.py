"""`POST /api/notify {title, body, url, tag, audio_url?, urgency?, ttl_s?}`: one Web Push to
every subscribed device (n8n's mesh-events and capture workflows call it) →
`{subscriptions, sent, dropped, failed}`. A device whose push service answers 404 or 410 loses
its subscription; the JSON payload stays under 3 KB (400 otherwise).
"""

from __future__ import annotations

from fastapi import APIRouter

from solo_brain.mesh.deps import FULL_SCOPE, TOKEN_ERRORS, FullToken, PushDep
from solo_brain.mesh.models.phone import NotifyIn, NotifyOut

router = APIRouter(prefix="/api", tags=["push"], responses=TOKEN_ERRORS)


@router.post("/notify", **FULL_SCOPE)
async def notify(push: PushDep, _: FullToken, body: NotifyIn) -> NotifyOut:
    """Encrypt and send the notification to each device (RFC 8291, VAPID RFC 8292)."""
    return await push.notify(body)
