"""The capture lifecycle's steps for n8n, each one call of an `assistant.*` SQL function (the
functions own the rules: db/functions/filing.sql, deliveries.sql, retries.sql). What this adds:
an unknown capture or delivery is NotFound, a refused argument InvalidRequest."""

from __future__ import annotations

from typing import Any, Literal

import psycopg
from psycopg.types.json import Jsonb

from solo_brain.errors import InvalidRequest, NotFound
from solo_brain.mesh.store import Pool

_NO_DATA = "P0002"  # RAISE ... USING ERRCODE = 'P0002': unknown capture or delivery
_INVALID = "22023"
# The functions answering one jsonb value (the name is put into the query: never user input).
JsonFunction = Literal[
    "record_capture", "receive_whatsapp_capture", "file_capture", "finish_capture",
    "record_delivery",
]  # fmt: skip


async def call(pool: Pool, query: str, argument: Any) -> list[dict[str, Any]]:
    """Run one lifecycle function in its own transaction; its rows, SQL errors mapped."""
    try:
        async with pool.connection() as conn, conn.transaction():
            cursor = await conn.execute(query, (Jsonb(argument),))
            return await cursor.fetchall()
    except psycopg.Error as exc:
        message = exc.diag.message_primary or str(exc)
        if exc.sqlstate == _NO_DATA:
            raise NotFound(message) from exc
        if exc.sqlstate == _INVALID:
            raise InvalidRequest(message) from exc
        raise


async def one(pool: Pool, function: JsonFunction, argument: dict[str, Any]) -> dict[str, Any]:
    """The jsonb answer of `assistant.<function>(argument)`."""
    [row] = await call(pool, f"SELECT assistant.{function}(%s::jsonb) AS r", argument)
    result: dict[str, Any] = row["r"]
    return result


async def capture(pool: Pool, capture_id: str) -> dict[str, Any]:
    """The capture as every workflow sees it (`capture_json`); NotFound if there is none."""
    async with pool.connection() as conn:
        cursor = await conn.execute("SELECT assistant.capture_json(%s) AS c", (capture_id,))
        row = await cursor.fetchone()
    if row is None or row["c"] is None:
        raise NotFound(f"no capture {capture_id}")
    found: dict[str, Any] = row["c"]
    return found


async def record_transcript(pool: Pool, capture_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Keep a transcript on an existing capture (record_capture never creates one here)."""
    await capture(pool, capture_id)
    recorded = await one(pool, "record_capture", {**fields, "capture_id": capture_id})
    recorded.pop("created", None)
    return recorded


async def receive_whatsapp(pool: Pool, p: dict[str, Any]) -> dict[str, Any]:
    """Record a WhatsApp message as a capture once (its message id is the key): `{capture,
    created}`, created false when the message was recorded before (Meta delivers again)."""
    recorded = await one(pool, "receive_whatsapp_capture", p)
    created = bool(recorded.pop("created", False))
    return {"capture": recorded, "created": created}


async def claim_retries(pool: Pool, p: dict[str, Any]) -> list[dict[str, Any]]:
    """The captures due for another pass, leased, each as `capture_json`."""
    rows = await call(
        pool,
        "SELECT assistant.capture_json(r.capture_id) AS c FROM assistant.claim_retries(%s) AS r",
        p,
    )
    return [r["c"] for r in rows]


async def claim_deliveries(pool: Pool, p: dict[str, Any]) -> list[dict[str, Any]]:
    """The due deliveries of a capture, leased: `{id, kind, request}` each."""
    return await call(pool, "SELECT * FROM assistant.claim_deliveries(%s)", p)


async def due_captures(pool: Pool, limit: int) -> list[dict[str, Any]]:
    """Captures with deliveries due now, oldest first."""
    return await call(
        pool, "SELECT capture_id FROM assistant.captures_with_due_deliveries(%s)", {"limit": limit}
    )


async def retry_deliveries(pool: Pool, p: dict[str, Any]) -> int:
    """Put a capture's failed or skipped deliveries (or one) back to pending; how many."""
    await capture(pool, p["capture_id"])
    [row] = await call(pool, "SELECT assistant.retry_deliveries(%s) AS n", p)
    return int(row["n"])
