"""Devices: the hub's tokens of scope `full`, those issued by pairing and those made by the CLI.

Revoking one sets `revoked_at`: the token is checked against Postgres on every request, so its
very next request is refused. Its Web Push subscription goes with it.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from solo_brain.errors import NotFound
from solo_brain.mesh.store import Conn, Pool
from solo_brain.mesh.store.tokens import generate_token, hash_token


class Device(BaseModel):
    """A device (or another holder of a full token) as the phone lists it."""

    id: str
    name: str
    paired: bool
    user_agent: str | None = None
    created_at: datetime
    last_used_at: datetime | None = None
    push: bool = False
    current: bool = False


_COLUMNS = "t.id, t.name, t.paired, t.user_agent, t.created_at, t.last_used_at"


async def insert_device(conn: Conn, name: str, user_agent: str | None) -> tuple[Device, str]:
    """Issue a paired device's token in the caller's transaction; return it and its secret."""
    secret = generate_token()
    cur = await conn.execute(
        f"""INSERT INTO assistant.tokens AS t (id, name, scope, hash, paired, user_agent)
            VALUES ('tok_' || assistant.new_ulid(), %s, 'full', %s, true, %s)
            RETURNING {_COLUMNS}""",  # noqa: S608
        (name, hash_token(secret), (user_agent or "")[:300] or None),
    )
    row = await cur.fetchone()
    assert row is not None
    return Device.model_validate(row), secret


async def list_devices(pool: Pool, current_token_id: str) -> list[Device]:
    """Every live token of scope full, newest first; the caller's is marked `current`."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT {_COLUMNS}, EXISTS (SELECT 1 FROM assistant.push_subscriptions s
                                           WHERE s.token_id = t.id) AS push
                FROM assistant.tokens t
                WHERE t.scope = 'full' AND t.revoked_at IS NULL
                ORDER BY t.created_at DESC, t.id DESC"""  # noqa: S608
        )
        rows = await cur.fetchall()
    return [Device.model_validate({**r, "current": r["id"] == current_token_id}) for r in rows]


async def revoke_device(pool: Pool, device_id: str, actor: str) -> None:
    """Revoke a live full token and drop its push subscription; NotFound when there is none."""
    async with pool.connection() as conn, conn.transaction():
        cur = await conn.execute(
            """UPDATE assistant.tokens SET revoked_at = now()
               WHERE id = %s AND scope = 'full' AND revoked_at IS NULL
               RETURNING id, name""",
            (device_id,),
        )
        row = await cur.fetchone()
        if row is None:
            raise NotFound(f"no device {device_id}")
        await conn.execute(
            "DELETE FROM assistant.push_subscriptions WHERE token_id = %s", (row["id"],)
        )
        await conn.execute(
            "INSERT INTO assistant.audit_log (actor, action, subject, detail) "
            "VALUES (%s, 'device.revoked', %s, jsonb_build_object('name', %s::text))",
            (actor, row["id"], row["name"]),
        )


async def token_is_live(pool: Pool, token_id: str) -> bool:
    """Whether a token exists and is not revoked (long-lived streams ask it again and again)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT 1 FROM assistant.tokens WHERE id = %s AND revoked_at IS NULL", (token_id,)
        )
        return await cur.fetchone() is not None
