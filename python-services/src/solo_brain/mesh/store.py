"""Postgres side of the hub: agents, sessions, messages, offsets and the session event log.

Every event of a session (a new message, a status change, a permission change) gets its id from
the sequence `assistant.mesh_event_seq` inside a transaction that holds the session's row lock,
so the ids of one session commit in increasing order and "everything after N" is exact.
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

from mesh_agent.protocol import Hello, Messages, SessionInfo, ack_key
from solo_brain.db import DictPool

Row = dict[str, Any]
Conn = AsyncConnection[DictRow]
Pool = DictPool


class OffsetGap(Exception):
    """A batch starts after the offset the hub stored for its file: bytes would be missing."""

    def __init__(self, stored: int, start: int) -> None:
        super().__init__(f"batch starts at byte {start} but the hub has stored up to {stored}")
        self.stored = stored
        self.start = start


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


SESSION_COLUMNS = """s.id, a.name AS agent, s.agent_id, a.online AS agent_online, s.project,
    s.cwd, s.title, s.git_branch, s.last_msg_at, s.status, s.live, s.terminal_waiting,
    s.permission_mode"""
MESSAGE_COLUMNS = """seq, session_id, uuid, parent_uuid, role, text, tool_uses, tool_results,
    "timestamp", is_sidechain"""
# Fields of a session whose change is worth a `status` event (not last_msg_at: messages say it).
STATUS_FIELDS = (
    "status",
    "live",
    "title",
    "project",
    "cwd",
    "git_branch",
    "terminal_waiting",
    "permission_mode",
)


async def upsert_agent(pool: Pool, hello: Hello, token_id: str) -> str:
    """Record an agent's hello (created on its first); return its id."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """INSERT INTO assistant.agents (id, name, hostname, version, token_id, last_seen)
               VALUES ('agt_' || assistant.new_ulid(), %s, %s, %s, %s, now())
               ON CONFLICT (name) DO UPDATE SET hostname = EXCLUDED.hostname,
                   version = EXCLUDED.version, token_id = EXCLUDED.token_id, last_seen = now()
               RETURNING id""",
            (hello.agent, hello.hostname, hello.version, token_id),
        )
        row = await cur.fetchone()
    assert row is not None
    return str(row["id"])


async def set_agent_online(pool: Pool, agent_id: str, online: bool) -> None:
    """Mark an agent online or offline, and seen now."""
    async with pool.connection() as conn:
        await conn.execute(
            "UPDATE assistant.agents SET online = %s, last_seen = now() WHERE id = %s",
            (online, agent_id),
        )


async def mark_all_agents_offline(pool: Pool) -> None:
    """At start no agent is connected to this hub, whatever the table says."""
    async with pool.connection() as conn:
        await conn.execute("UPDATE assistant.agents SET online = false WHERE online")


async def agent_acks(pool: Pool, agent_id: str) -> dict[str, int]:
    """The committed byte offset of every file of an agent, keyed as in Welcome.acks."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            'SELECT session_id, file, "offset" FROM assistant.mesh_offsets WHERE agent_id = %s',
            (agent_id,),
        )
        rows = await cur.fetchall()
    return {ack_key(r["session_id"], r["file"]): int(r["offset"]) for r in rows}


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


async def _session_json(conn: Conn, session_id: str) -> Row:
    cur = await conn.execute(
        f"""SELECT {SESSION_COLUMNS} FROM assistant.sessions s
            JOIN assistant.agents a ON a.id = s.agent_id WHERE s.id = %s""",  # noqa: S608
        (session_id,),
    )
    row = await cur.fetchone()
    assert row is not None
    return dict(row)


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


async def upsert_session(
    pool: Pool, agent_id: str, info: SessionInfo
) -> tuple[StreamEvent | None, Row | None]:
    """Store a session's metadata; return its status event (None if nothing shown changed)
    and the previous row (None when the session is new)."""
    async with pool.connection() as conn, conn.transaction():
        before = await lock_session(conn, info.session_id, agent_id)
        await conn.execute(
            """UPDATE assistant.sessions SET agent_id = %s, cwd = %s, project = %s, title = %s,
                   git_branch = %s, status = %s, live = %s, terminal_waiting = %s,
                   permission_mode = COALESCE(%s, permission_mode),
                   last_msg_at = GREATEST(last_msg_at, %s), updated_at = now()
               WHERE id = %s""",
            (
                agent_id,
                info.cwd,
                info.project,
                info.title,
                info.git_branch,
                info.status,
                info.live,
                info.terminal_waiting,
                info.permission_mode,
                info.last_msg_at,
                info.session_id,
            ),
        )
        after = await _session_json(conn, info.session_id)
        if before is not None and all(before[f] == after[f] for f in STATUS_FIELDS):
            return None, before
        return await add_event(conn, info.session_id, "status", jsonable(after)), before


async def store_messages(pool: Pool, agent_id: str, batch: Messages) -> list[StreamEvent]:
    """Commit a batch (idempotent on (session_id, uuid)) and its file offset; return the
    events of the messages that were new. Raise OffsetGap when bytes would be missing."""
    rows = [{**m.model_dump(mode="json"), "ord": i} for i, m in enumerate(batch.messages)]
    async with pool.connection() as conn, conn.transaction():
        await lock_session(conn, batch.session_id, agent_id)
        cur = await conn.execute(
            'SELECT "offset" FROM assistant.mesh_offsets '
            "WHERE agent_id = %s AND session_id = %s AND file = %s",
            (agent_id, batch.session_id, batch.file),
        )
        found = await cur.fetchone()
        stored = int(found["offset"]) if found else 0
        if batch.start_offset > stored:
            raise OffsetGap(stored, batch.start_offset)
        inserted: list[Row] = []
        if rows:
            cur = await conn.execute(
                f"""INSERT INTO assistant.messages (session_id, uuid, parent_uuid, role, text,
                        tool_uses, tool_results, "timestamp", is_sidechain, file)
                    SELECT %(sid)s, m.uuid, m.parent_uuid, m.role, m.text,
                           COALESCE(m.tool_uses, '[]'), COALESCE(m.tool_results, '[]'),
                           m."timestamp", COALESCE(m.is_sidechain, false), %(file)s
                    FROM jsonb_to_recordset(%(rows)s) AS m(
                        uuid text, parent_uuid text, role text, text text, tool_uses jsonb,
                        tool_results jsonb, "timestamp" timestamptz, is_sidechain boolean,
                        ord int)
                    ORDER BY m.ord
                    ON CONFLICT (session_id, uuid) DO NOTHING
                    RETURNING {MESSAGE_COLUMNS}""",  # noqa: S608
                {"sid": batch.session_id, "file": batch.file, "rows": Jsonb(rows)},
            )
            inserted = list(await cur.fetchall())
        await conn.execute(
            """INSERT INTO assistant.mesh_offsets (agent_id, session_id, file, "offset")
               VALUES (%s, %s, %s, %s)
               ON CONFLICT (agent_id, session_id, file)
               DO UPDATE SET "offset" = EXCLUDED."offset", updated_at = now()""",
            (agent_id, batch.session_id, batch.file, batch.end_offset),
        )
        latest = max((m.timestamp for m in batch.messages if m.timestamp), default=None)
        if latest is not None:
            await conn.execute(
                "UPDATE assistant.sessions SET last_msg_at = GREATEST(last_msg_at, %s) "
                "WHERE id = %s",
                (latest, batch.session_id),
            )
    inserted.sort(key=lambda r: r["seq"])
    return [StreamEvent(int(r["seq"]), "message", message_json(r)) for r in inserted]


def jsonable(row: Row) -> dict[str, Any]:
    """A row with datetimes as ISO 8601 strings, the same live and when replayed from JSONB."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def message_json(row: Row) -> dict[str, Any]:
    """The API shape of a stored message."""
    out = jsonable(row)
    out["seq"] = int(out["seq"])
    return out


async def events_after(
    pool: Pool, session_id: str, after: int, limit: int = 1000
) -> list[StreamEvent]:
    """A session's events with seq > after, in order (messages, status, permissions)."""
    args = {"sid": session_id, "after": after, "n": limit}
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT {MESSAGE_COLUMNS} FROM assistant.messages
                WHERE session_id = %(sid)s AND seq > %(after)s ORDER BY seq LIMIT %(n)s""",  # noqa: S608
            args,
        )
        events = [
            StreamEvent(int(r["seq"]), "message", message_json(r)) for r in await cur.fetchall()
        ]
        cur = await conn.execute(
            """SELECT seq, kind, data FROM assistant.mesh_events
               WHERE session_id = %(sid)s AND seq > %(after)s ORDER BY seq LIMIT %(n)s""",
            args,
        )
        events += [StreamEvent(int(r["seq"]), r["kind"], r["data"]) for r in await cur.fetchall()]
    events.sort(key=lambda e: e.seq)
    return events[:limit]


async def latest_seq(pool: Pool, session_id: str) -> int:
    """The seq of a session's latest event (0 when it has none)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT GREATEST(
                   (SELECT max(seq) FROM assistant.messages WHERE session_id = %(sid)s),
                   (SELECT max(seq) FROM assistant.mesh_events WHERE session_id = %(sid)s), 0)
               AS seq""",
            {"sid": session_id},
        )
        row = await cur.fetchone()
    return int(row["seq"]) if row else 0


async def session_exists(pool: Pool, session_id: str) -> bool:
    """Whether the hub knows this session."""
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT 1 FROM assistant.sessions WHERE id = %s", (session_id,))
        return await cur.fetchone() is not None
