"""Postgres side of the hub, one module per resource: agents, sessions (and their event log),
messages, prompts, permissions, tokens. Functions raise domain errors (NotFound, Conflict,
OffsetGap), never HTTP ones; the app's error handler answers them.

Every event of a session (a new message, a status change, a permission change) gets its id from
the sequence `assistant.mesh_event_seq` inside a transaction that holds the session's row lock
(`lock_session`), so the ids of one session commit in increasing order and "everything after N"
is exact. This module holds what every resource shares: that lock, the event log append, the
audit log, and the row types.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from solo_brain.db import DictPool

Row = dict[str, Any]
Conn = AsyncConnection[DictRow]
Pool = DictPool


@dataclass(frozen=True)
class StreamEvent:
    """One event of a session's SSE stream: its id (seq), kind and JSON data."""

    seq: int
    kind: str  # message | status | permission
    data: dict[str, Any]

    def json(self) -> str:
        """The data as compact JSON."""
        return json.dumps(self.data, separators=(",", ":"), ensure_ascii=False, default=str)

    @cached_property
    def sse(self) -> bytes:
        """The event as Server-Sent Events bytes (encoded once, however many streams)."""
        return f"id: {self.seq}\r\nevent: {self.kind}\r\ndata: {self.json()}\r\n\r\n".encode()


def jsonable(row: Row) -> dict[str, Any]:
    """A row with datetimes as ISO 8601 strings, the same live and when replayed from JSONB."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


async def lock_session(conn: Conn, session_id: str, agent_id: str) -> Row | None:
    """Create the session if new, lock its row and return it as it was (None when created)."""
    cur = await conn.execute(
        "INSERT INTO assistant.sessions (id, agent_id) VALUES (%s, %s) ON CONFLICT DO NOTHING "
        "RETURNING id",
        (session_id, agent_id),
    )
    created = await cur.fetchone() is not None
    cur = await conn.execute(
        "SELECT * FROM assistant.sessions WHERE id = %s FOR UPDATE", (session_id,)
    )
    row = await cur.fetchone()
    return None if created else row


async def add_event(conn: Conn, session_id: str, kind: str, data: dict[str, Any]) -> StreamEvent:
    """Append a status or permission event to a session's log (caller holds its row lock)."""
    cur = await conn.execute(
        "INSERT INTO assistant.mesh_events (session_id, kind, data) VALUES (%s, %s, %s) "
        "RETURNING seq",
        (session_id, kind, Jsonb(data)),
    )
    row = await cur.fetchone()
    assert row is not None
    return StreamEvent(int(row["seq"]), kind, data)


async def audit(conn: Conn, actor: str, action: str, subject: str, detail: dict[str, Any]) -> None:
    """Append one line to assistant.audit_log."""
    await conn.execute(
        "INSERT INTO assistant.audit_log (actor, action, subject, detail) VALUES (%s, %s, %s, %s)",
        (actor, action, subject, Jsonb(detail)),
    )
