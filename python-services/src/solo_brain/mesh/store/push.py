"""Web Push state: the hub's VAPID key pair and one subscription per device."""

from __future__ import annotations

from typing import Any

from solo_brain.errors import NotFound
from solo_brain.mesh.clients.webpush import Subscription, VapidKey
from solo_brain.mesh.store import Pool


async def vapid_key(pool: Pool) -> VapidKey:
    """The kept VAPID key pair, made on first call (one winner when hubs start together)."""
    fresh = VapidKey.generate()
    async with pool.connection() as conn:
        await conn.execute(
            """INSERT INTO assistant.push_vapid (private_key, public_key) VALUES (%s, %s)
               ON CONFLICT (singleton) DO NOTHING""",
            (fresh.pem(), fresh.public_key),
        )
        cur = await conn.execute("SELECT private_key FROM assistant.push_vapid")
        row = await cur.fetchone()
    assert row is not None
    return VapidKey.from_pem(row["private_key"])


async def save_subscription(pool: Pool, token_id: str, sub: Subscription) -> bool:
    """Keep the device's subscription (replacing its previous one, taking the endpoint from
    another device that had it); True when it is new for this device."""
    async with pool.connection() as conn, conn.transaction():
        await conn.execute(
            "DELETE FROM assistant.push_subscriptions WHERE endpoint = %s AND token_id <> %s",
            (sub.endpoint, token_id),
        )
        cur = await conn.execute(
            """INSERT INTO assistant.push_subscriptions (id, token_id, endpoint, p256dh, auth)
               VALUES ('psub_' || assistant.new_ulid(), %s, %s, %s, %s)
               ON CONFLICT (token_id) DO UPDATE SET
                   endpoint = EXCLUDED.endpoint, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth,
                   failures = 0, last_error = NULL, updated_at = now()
               RETURNING (xmax = 0) AS inserted""",
            (token_id, sub.endpoint, sub.p256dh, sub.auth),
        )
        row = await cur.fetchone()
    assert row is not None
    return bool(row["inserted"])


async def delete_subscription(pool: Pool, token_id: str, endpoint: str | None) -> None:
    """Forget the device's subscription (only if it has this endpoint, when one is given)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """DELETE FROM assistant.push_subscriptions
               WHERE token_id = %s AND (%s::text IS NULL OR endpoint = %s)""",
            (token_id, endpoint, endpoint),
        )
        if cur.rowcount == 0:
            raise NotFound("this device has no such push subscription")


async def live_subscriptions(pool: Pool) -> list[dict[str, Any]]:
    """Subscriptions of devices whose token is live."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT s.id, s.endpoint, s.p256dh, s.auth, t.name AS device
               FROM assistant.push_subscriptions s JOIN assistant.tokens t ON t.id = s.token_id
               WHERE t.revoked_at IS NULL ORDER BY s.id"""
        )
        return list(await cur.fetchall())


async def record_outcome(pool: Pool, sub_id: str, error: str | None, *, gone: bool) -> None:
    """After a send: a gone subscription is dropped, a failure counted, a success noted."""
    async with pool.connection() as conn:
        if gone:
            await conn.execute("DELETE FROM assistant.push_subscriptions WHERE id = %s", (sub_id,))
        elif error is None:
            await conn.execute(
                "UPDATE assistant.push_subscriptions SET last_success_at = now(), failures = 0, "
                "last_error = NULL WHERE id = %s",
                (sub_id,),
            )
        else:
            await conn.execute(
                "UPDATE assistant.push_subscriptions SET failures = failures + 1, "
                "last_error = left(%s, 500) WHERE id = %s",
                (error, sub_id),
            )
