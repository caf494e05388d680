"""Messages: the normalised transcript lines agents send, committed with their file offsets."""

from __future__ import annotations

from typing import Any

import psycopg
from pydantic import TypeAdapter

from mesh_protocol import Message, Messages
from mesh_protocol.trace import enabled as tracing
from mesh_protocol.trace import trace
from solo_brain.mesh.errors import OffsetGap
from solo_brain.mesh.store import Pool, Row, StreamEvent, jsonable, run_lines

AS_JSON = TypeAdapter(list[Message])  # serialised in Rust: a batch is up to 1 MiB
MESSAGE_COLUMNS = """seq, pos, session_id, uuid, parent_uuid, role, text, tool_uses,
    tool_results, "timestamp", is_sidechain"""
# Where a history message's line is when it was stored as the transcript's bytes (run_lines).
_RUN_COLUMNS = "thread_parent, run_id, run_at, run_size"
_RUN_KEYS = ("thread_parent", "run_id", "run_at", "run_size")

# A fork: a message that two user messages of the main conversation continue (a prompt forced
# from the phone and the terminal's next turn). Sidechains never count, nor system notes (Claude
# Code writes some next to a tool's result, both continuing the tool use). A batch's new forks
# are found by functions/mesh_live.sql; a page marks them with this.
_IS_FORK = """(SELECT count(*) FROM (
        SELECT 1 FROM assistant.messages c
        WHERE c.session_id = m.session_id AND c.thread_parent = m.uuid AND NOT c.is_sidechain
            AND c.role = 'user'
        LIMIT 2) x) > 1 AS fork"""
_STORE_LIVE = "SELECT * FROM assistant.mesh_store_live(%s, %s, %s, %s, %s, %s::jsonb, %s)"
_GAP = "MGGAP"  # the SQLSTATE mesh_store_live raises, the stored offset in its DETAIL
_COLUMNS = [c.strip().strip('"') for c in MESSAGE_COLUMNS.split(",")]


def _without(row: Row, keys: tuple[str, ...]) -> Row:
    for key in keys:
        row.pop(key, None)
    return row


def message_json(row: Row) -> dict[str, Any]:
    """The API shape of a stored message."""
    out = jsonable(row)
    out["seq"] = int(out["seq"])
    out["pos"] = int(out["pos"])
    out.setdefault("fork", False)
    return out


async def store_messages(pool: Pool, agent_id: str, batch: Messages) -> list[StreamEvent]:
    """Commit a batch (idempotent on (session_id, uuid)) and its file offset, without waiting
    for the WAL flush; return the events of the messages that were new, then of the forks they
    made. Raise OffsetGap when bytes would be missing."""
    rows = AS_JSON.dump_json(batch.messages).decode() if batch.messages else None
    latest = max((m.timestamp for m in batch.messages if m.timestamp), default=None)
    # One statement in autocommit: one round trip, the COMMIT included (functions/mesh_live.sql).
    # It does not wait for the WAL flush: the new lines reach the SSE streams without an fsync;
    # the caller acks the batch only after `agents.seen`, whose ordinary commit flushes the WAL
    # past this one (nothing acked is ever lost).
    args = (agent_id, batch.session_id, batch.file, batch.start_offset, batch.end_offset)
    try:
        async with pool.connection() as conn:
            cur = await conn.execute(_STORE_LIVE, (*args, rows, latest))
            found = await cur.fetchall()
    except psycopg.Error as exc:
        if exc.sqlstate == _GAP and exc.diag.message_detail is not None:
            raise OffsetGap(int(exc.diag.message_detail), batch.start_offset) from None
        raise
    if tracing():
        trace("hub.inserted", [m.uuid for m in batch.messages])  # committed too
    return [
        StreamEvent(int(r["seq"]), "message", message_json({c: r[c] for c in _COLUMNS}))
        if r["kind"] == "message"
        else StreamEvent(int(r["seq"]), r["kind"], r["data"])
        for r in found
    ]


async def page_messages(
    pool: Pool, session_id: str, before: int | None, limit: int
) -> tuple[list[Row], int | None]:
    """Up to `limit` messages before pos `before` (newest when None), oldest first, and the
    `before` of the previous page: None when this page reaches the first message and no history
    is still to come (while it is, the cursor stays, even on an empty page)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT {MESSAGE_COLUMNS}, {_IS_FORK}, {_RUN_COLUMNS} FROM assistant.messages m
                WHERE session_id = %(sid)s AND (%(before)s::bigint IS NULL OR pos < %(before)s)
                ORDER BY pos DESC LIMIT %(n)s""",  # noqa: S608
            {"sid": session_id, "before": before, "n": limit + 1},
        )
        rows = [dict(r) for r in await cur.fetchall()]
        more = len(rows) > limit
        if not more:
            cur = await conn.execute(
                "SELECT 1 FROM assistant.mesh_offsets "
                "WHERE session_id = %s AND history_end IS NOT NULL LIMIT 1",
                (session_id,),
            )
            more = await cur.fetchone() is not None
        rows = rows[:limit]
    await run_lines.fold_rows(pool, rows)  # history kept as the transcript's bytes
    page = [message_json(_without(r, _RUN_KEYS)) for r in reversed(rows)]
    if not more:
        return page, None
    return page, (page[0]["pos"] if page else before)
