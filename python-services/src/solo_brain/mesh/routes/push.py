"""Web Push subscriptions of the devices.

    GET    /api/push/key               → {public_key}   (the PWA's applicationServerKey)
    POST   /api/push/subscriptions     {endpoint, keys: {p256dh, auth}} → 201 or 200
    DELETE /api/push/subscriptions     {endpoint?} → 204

One subscription per device: posting again (same or new endpoint) replaces it. Only endpoints
of the real push services over https (or under PUSH_ENDPOINT_ALLOW) are accepted.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from solo_brain.errors import InvalidRequest, documented_errors
from solo_brain.mesh.clients.webpush import Subscription
from solo_brain.mesh.deps import FULL_SCOPE, TOKEN_ERRORS, FullToken, HubDep, PushDep
from solo_brain.mesh.models.phone import (
    PushKeyOut,
    SubscriptionDeleteIn,
    SubscriptionIn,
    SubscriptionOut,
)
from solo_brain.mesh.store import push as push_store

router = APIRouter(prefix="/api/push", tags=["push"], responses=TOKEN_ERRORS)


@router.get("/key", **FULL_SCOPE)
async def push_key(push: PushDep, _: FullToken) -> PushKeyOut:
    """The hub's VAPID public key (base64url, uncompressed P-256 point)."""
    return PushKeyOut(public_key=push.client.key.public_key)


@router.post("/subscriptions", status_code=201, **FULL_SCOPE)
async def subscribe(
    hub: HubDep, push: PushDep, token: FullToken, body: SubscriptionIn, response: Response
) -> SubscriptionOut:
    """Keep this device's subscription: 201 when new, 200 when it replaced the previous one."""
    if not push.client.allowed(body.endpoint):
        raise InvalidRequest(
            "push endpoint refused: only https endpoints of the browsers' push services "
            "(Apple, Google, Mozilla, Microsoft) or PUSH_ENDPOINT_ALLOW are accepted",
            code="push_endpoint_refused",
        )
    sub = Subscription(body.endpoint, body.keys.p256dh, body.keys.auth)
    created = await push_store.save_subscription(hub.pool, token.id, sub)
    response.status_code = 201 if created else 200
    return SubscriptionOut(endpoint=body.endpoint, created=created)


@router.delete(
    "/subscriptions",
    status_code=204,
    response_class=Response,
    **FULL_SCOPE,
    responses=documented_errors({404: "no such subscription"}),
)
async def unsubscribe(
    hub: HubDep, token: FullToken, body: SubscriptionDeleteIn | None = None
) -> Response:
    """Forget this device's subscription (404 when it has none, or another endpoint)."""
    await push_store.delete_subscription(hub.pool, token.id, body.endpoint if body else None)
    return Response(status_code=204)
