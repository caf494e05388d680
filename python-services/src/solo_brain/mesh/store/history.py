"""Transcripts sent tail first: the tail batch of a new file, then its history (issue 11).

A `tail` batch of a file the hub has nothing of starts near the file's end: it is committed like
any batch (its messages are new: SSE events), and bytes [0, start_offset) become the file's
missing history (mesh_offsets.history_end). The history goes newest first: each `history` batch
is a run of whole lines ending where the history the hub holds begins (end_offset checked
against history_end as a `next` batch's start is against the stored offset), so the page just
above the tail fills first. It is committed without events (it is not new, pages show it),
idempotent on (session_id, uuid); a batch the hub holds already is acked and ignored. Messages
get `pos` (the session's page order): the history of a file takes the positions from
s * 2^21 - 1 down, s a seq taken when the tail arrived, each batch below the one before it and in
file order within it: after every earlier message of the session (pos <= (s - 1) * 2^21), before
the tail (pos > s * 2^21).
"""

from __future__ import annotations

from typing import Any

from mesh_protocol import Messages, ack_key
from solo_brain.mesh.errors import OffsetGap
from solo_brain.mesh.store import Pool, StreamEvent, lock_session
from solo_brain.mesh.store.messages import AS_JSON, store_messages

POS_STEP = 2097152  # 2^21: the pos of a message in arrival order is seq * POS_STEP

# The history's messages and its new state, written only when the batch continues the history
# downwards (it ends at or above history_end and starts below it): one round trip with the check.
# history_pos is the highest position still free below the file's tail.
CONTINUES = """o.agent_id = %(agent)s AND o.session_id = %(sid)s AND o.file = %(file)s
    AND o.history_end IS NOT NULL AND %(start)s < o.history_end AND %(end)s >= o.history_end"""
_INSERT = f"""INSERT INTO assistant.messages (session_id, uuid, parent_uuid, role, text,
        tool_uses, tool_results, "timestamp", is_sidechain, file, thread_parent, pos, history)
    SELECT %(sid)s, m.uuid, m.parent_uuid, m.role, m.text,
           COALESCE(m.tool_uses, '[]'), COALESCE(m.tool_results, '[]'),
           m."timestamp", COALESCE(m.is_sidechain, false), %(file)s,
           COALESCE(m.thread_parent_uuid, m.parent_uuid), o.history_pos - %(count)s + m.ord, true
    FROM assistant.mesh_offsets o,
        ROWS FROM (jsonb_to_recordset(%(rows)s::jsonb) AS (
        uuid text, parent_uuid text, role text, text text, tool_uses jsonb,
        tool_results jsonb, "timestamp" timestamptz, is_sidechain boolean,
        thread_parent_uuid text)) WITH ORDINALITY AS m(
        uuid, parent_uuid, role, text, tool_uses, tool_results, "timestamp",
        is_sidechain, thread_parent_uuid, ord)
    WHERE {CONTINUES}
    ORDER BY m.ord
    ON CONFLICT (session_id, uuid) DO NOTHING"""  # noqa: S608
_ADVANCE = f"""UPDATE assistant.mesh_offsets o
    SET history_end = NULLIF(%(start)s, 0),
        history_pos = CASE WHEN %(start)s = 0 THEN NULL ELSE history_pos - %(count)s END,
        updated_at = now()
    WHERE {CONTINUES}"""  # noqa: S608


async def store_tail(pool: Pool, agent_id: str, batch: Messages) -> list[StreamEvent]:
    """Commit the tail of a file the hub has nothing of (its history to come), or, when the hub
    has some of it already, the batch as a `next` one; return the events of new messages."""
    sid = batch.session_id
    async with pool.connection() as conn, conn.transaction():
        await lock_session(conn, sid, agent_id)
        cur = await conn.execute(
            "SELECT 1 FROM assistant.mesh_offsets "
            "WHERE agent_id = %s AND session_id = %s AND file = %s",
            (agent_id, sid, batch.file),
        )
        if await cur.fetchone() is None and batch.start_offset > 0:
            cur = await conn.execute("SELECT nextval('assistant.mesh_event_seq') AS s")
            found = await cur.fetchone()
            top = int(found["s"]) * POS_STEP - 1 if found else POS_STEP - 1
            await conn.execute(
                """INSERT INTO assistant.mesh_offsets (agent_id, session_id, file, "offset",
                       history_end, history_pos)
                   VALUES (%s, %s, %s, %s, %s, %s)""",
                (agent_id, sid, batch.file, batch.start_offset, batch.start_offset, top),
            )
    # The tail itself is then a `next` batch from the offset just stored.
    return await store_messages(pool, agent_id, batch)


async def store_history(pool: Pool, agent_id: str, batch: Messages) -> None:
    """Commit the newest range of a file's missing history (OffsetGap when it ends below the
    history the hub holds; nothing when the hub holds that range already)."""
    args = {
        "agent": agent_id,
        "sid": batch.session_id,
        "file": batch.file,
        "start": batch.start_offset,
        "end": batch.end_offset,
        "rows": AS_JSON.dump_json(batch.messages).decode(),
        "count": len(batch.messages),
    }
    await commit_history(pool, args, _INSERT if batch.messages else None)


async def commit_history(pool: Pool, args: dict[str, Any], insert: str | None) -> None:
    """Run `insert` (which writes only where CONTINUES holds) and move the file's missing
    history down to `args["start"]`, in one round trip with the checks (OffsetGap when the
    range ends below the history the hub holds; nothing when the hub holds it already)."""
    async with pool.connection() as conn, conn.pipeline(), conn.transaction():
        # Not waiting for the disk: the ack is sent after `agents.seen`, whose ordinary commit
        # flushes the WAL past this one (as for every batch).
        await conn.execute("SET LOCAL synchronous_commit = off")
        await conn.execute(
            "INSERT INTO assistant.sessions (id, agent_id) VALUES (%(sid)s, %(agent)s) "
            "ON CONFLICT DO NOTHING",
            args,
        )
        await conn.execute("SELECT 1 FROM assistant.sessions WHERE id = %(sid)s FOR UPDATE", args)
        state = await conn.execute(
            "SELECT history_end FROM assistant.mesh_offsets o "
            "WHERE o.agent_id = %(agent)s AND o.session_id = %(sid)s AND o.file = %(file)s "
            "FOR UPDATE",
            args,
        )
        if insert is not None:
            await conn.execute(insert, args)
        await conn.execute(_ADVANCE, args)
        row = await state.fetchone()
        if row is None:
            raise OffsetGap(0, args["start"])  # rolls back everything above
        if row["history_end"] is None or args["start"] >= row["history_end"]:
            return  # held already: a resent batch (nothing above matched)
        if args["end"] < row["history_end"]:
            raise OffsetGap(int(row["history_end"]), args["end"])


async def agent_history(pool: Pool, agent_id: str) -> dict[str, int]:
    """Where the missing history [0, end) of every file of an agent ends, keyed as in
    Welcome.acks."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT session_id, file, history_end FROM assistant.mesh_offsets
               WHERE agent_id = %s AND history_end IS NOT NULL""",
            (agent_id,),
        )
        rows = await cur.fetchall()
    return {ack_key(r["session_id"], r["file"]): int(r["history_end"]) for r in rows}
