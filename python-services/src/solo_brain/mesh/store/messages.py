"""Messages: the normalised transcript lines agents send, committed with their file offsets."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from mesh_protocol import Message, Messages
from mesh_protocol.trace import enabled as tracing
from mesh_protocol.trace import trace
from solo_brain.mesh.errors import OffsetGap
from solo_brain.mesh.store import Pool, Row, StreamEvent, add_event, jsonable, run_lines

AS_JSON = TypeAdapter(list[Message])  # serialised in Rust: a batch is up to 1 MiB
MESSAGE_COLUMNS = """seq, pos, session_id, uuid, parent_uuid, role, text, tool_uses,
    tool_results, "timestamp", is_sidechain"""
# Where a history message's line is when it was stored as the transcript's bytes (run_lines).
_RUN_COLUMNS = "thread_parent, run_id, run_at, run_size"
_RUN_KEYS = ("thread_parent", "run_id", "run_at", "run_size")

# A fork: a message that two user messages of the main conversation continue (a prompt forced
# from the phone and the terminal's next turn). Sidechains never count, nor system notes (Claude
# Code writes some next to a tool's result, both continuing the tool use).
_IS_FORK = """(SELECT count(*) FROM (
        SELECT 1 FROM assistant.messages c
        WHERE c.session_id = m.session_id AND c.thread_parent = m.uuid AND NOT c.is_sidechain
            AND c.role = 'user'
        LIMIT 2) x) > 1 AS fork"""
_FORKS = """SELECT thread_parent, array_agg(uuid ORDER BY seq) AS children
    FROM assistant.messages
    WHERE session_id = %s AND thread_parent = ANY(%s) AND NOT is_sidechain AND role = 'user'
    GROUP BY thread_parent HAVING count(*) > 1 ORDER BY min(seq)"""


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
    for the WAL flush; return the events of the messages that were new. Raise OffsetGap when
    bytes would be missing."""
    rows = AS_JSON.dump_json(batch.messages).decode() if batch.messages else None
    latest = max((m.timestamp for m in batch.messages if m.timestamp), default=None)
    sid = batch.session_id
    # One round trip: every statement is pipelined, the gap check reads its answer at the end
    # and rolls the whole transaction back (a live line waits for Postgres once, not 8 times).
    async with pool.connection() as conn, conn.pipeline(), conn.transaction():
        # The COMMIT returns before its WAL is on disk: the new lines reach the SSE streams
        # without waiting for an fsync. The caller acks the batch only after `agents.seen`,
        # whose ordinary commit flushes the WAL past this one (nothing acked is ever lost).
        await conn.execute("SET LOCAL synchronous_commit = off")
        await conn.execute(
            "INSERT INTO assistant.sessions (id, agent_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            (sid, agent_id),
        )
        await conn.execute("SELECT 1 FROM assistant.sessions WHERE id = %s FOR UPDATE", (sid,))
        stored_cur = await conn.execute(
            'SELECT "offset" FROM assistant.mesh_offsets '
            "WHERE agent_id = %s AND session_id = %s AND file = %s",
            (agent_id, sid, batch.file),
        )
        insert_cur = None
        if rows:
            insert_cur = await conn.execute(
                f"""INSERT INTO assistant.messages (session_id, uuid, parent_uuid, role, text,
                        tool_uses, tool_results, "timestamp", is_sidechain, file, thread_parent)
                    SELECT %(sid)s, m.uuid, m.parent_uuid, m.role, m.text,
                           COALESCE(m.tool_uses, '[]'), COALESCE(m.tool_results, '[]'),
                           m."timestamp", COALESCE(m.is_sidechain, false), %(file)s,
                           COALESCE(m.thread_parent_uuid, m.parent_uuid)
                    FROM ROWS FROM (jsonb_to_recordset(%(rows)s::jsonb) AS (
                        uuid text, parent_uuid text, role text, text text, tool_uses jsonb,
                        tool_results jsonb, "timestamp" timestamptz, is_sidechain boolean,
                        thread_parent_uuid text)) WITH ORDINALITY AS m(
                        uuid, parent_uuid, role, text, tool_uses, tool_results, "timestamp",
                        is_sidechain, thread_parent_uuid, ord)
                    ORDER BY m.ord
                    ON CONFLICT (session_id, uuid) DO NOTHING
                    RETURNING {MESSAGE_COLUMNS}""",  # noqa: S608
                {"sid": sid, "file": batch.file, "rows": rows},
            )
        await conn.execute(
            """INSERT INTO assistant.mesh_offsets (agent_id, session_id, file, "offset")
               VALUES (%s, %s, %s, %s)
               ON CONFLICT (agent_id, session_id, file)
               DO UPDATE SET "offset" = EXCLUDED."offset", updated_at = now()""",
            (agent_id, sid, batch.file, batch.end_offset),
        )
        if latest is not None:
            await conn.execute(
                "UPDATE assistant.sessions SET last_msg_at = GREATEST(last_msg_at, %s) "
                "WHERE id = %s",
                (latest, sid),
            )
        parents = sorted(
            {
                parent
                for m in batch.messages
                if (parent := m.thread_parent_uuid or m.parent_uuid)
                and m.role == "user"
                and not m.is_sidechain
            }
        )
        forks_cur = None
        if parents:
            forks_cur = await conn.execute(_FORKS, (sid, parents))
        found = await stored_cur.fetchone()
        stored = int(found["offset"]) if found else 0
        if batch.start_offset > stored:
            raise OffsetGap(stored, batch.start_offset)  # rolls back everything above
        inserted = list(await insert_cur.fetchall()) if insert_cur is not None else []
        new = {r["uuid"] for r in inserted}
        forks: list[StreamEvent] = []
        for fork in await forks_cur.fetchall() if forks_cur is not None else []:
            if new.intersection(fork["children"]):  # a new child: announced once, after it
                data = {"uuid": fork["thread_parent"], "children": list(fork["children"])}
                forks.append(await add_event(conn, sid, "fork", data))
        if tracing():
            trace("hub.inserted", [m.uuid for m in batch.messages])  # the COMMIT is next
    inserted.sort(key=lambda r: r["seq"])
    return [StreamEvent(int(r["seq"]), "message", message_json(r)) for r in inserted] + forks


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
