"""History runs (issue 11): a run of a file's missing history kept as the transcript's own
bytes, zstd-compressed, with one light row per message; pages fold those lines when they show
them, with the agent's own fold (mesh_protocol.fold), so a page is the same as if the messages
had come folded.

A run is checked before anything is stored (mesh_protocol.runs.unpack: the size it says, whole
lines; each indexed line a JSON object naming its uuid) and committed as store_history commits a
`messages` batch of part "history": the same offset checks, positions and idempotence. The
run and its rows go in with one statement (the rows as binary arrays, unnest), in one round trip
with the checks: against COPY into a temporary table (four round trips), measured on the same
runs, it costs Postgres and the hub as much or less CPU and waits for Postgres once.
"""

from __future__ import annotations

import logging
from typing import Any

from mesh_protocol import HistoryRun, Message
from mesh_protocol.fold import fold_line
from mesh_protocol.runs import BadRun, compressed, decompress, unpack
from solo_brain.mesh.errors import OffsetGap
from solo_brain.mesh.store import Pool, Row

log = logging.getLogger(__name__)

# The history's run and rows, written only when the run continues the history downwards (it
# ends at or above history_end and starts below it): one round trip with the checks.
_CONTINUES = """o.agent_id = %(agent)s AND o.session_id = %(sid)s AND o.file = %(file)s
    AND o.history_end IS NOT NULL AND %(start)s < o.history_end AND %(end)s >= o.history_end"""
_INSERT = f"""WITH o AS (SELECT o.history_pos FROM assistant.mesh_offsets o WHERE {_CONTINUES}),
    run AS (
        INSERT INTO assistant.transcript_runs (session_id, file, start_offset, end_offset, data)
        SELECT %(sid)s, %(file)s, %(start)s, %(end)s, %(data)b FROM o RETURNING id)
    INSERT INTO assistant.messages (session_id, uuid, parent_uuid, role, "timestamp",
        is_sidechain, file, thread_parent, pos, history, run_id, run_at, run_size)
    SELECT %(sid)s, l.uuid, l.parent_uuid, l.role, l.ts, l.is_sidechain, %(file)s,
           COALESCE(l.thread_parent, l.parent_uuid), o.history_pos - %(count)s + l.ord, true,
           run.id, l.run_at, l.run_size
    FROM o, run, unnest(%(uuids)b::text[], %(parents)b::text[], %(roles)b::text[],
        %(stamps)b::timestamptz[], %(sidechains)b::bool[], %(threads)b::text[],
        %(ats)b::int4[], %(sizes)b::int4[]) WITH ORDINALITY AS l(
        uuid, parent_uuid, role, ts, is_sidechain, thread_parent, run_at, run_size, ord)
    ORDER BY l.ord
    ON CONFLICT (session_id, uuid) DO NOTHING"""  # noqa: S608
_ADVANCE = f"""UPDATE assistant.mesh_offsets o
    SET history_end = NULLIF(%(start)s, 0),
        history_pos = CASE WHEN %(start)s = 0 THEN NULL ELSE history_pos - %(count)s END,
        updated_at = now()
    WHERE {_CONTINUES}"""  # noqa: S608


def check(run: HistoryRun) -> bytes:
    """The zstd frame of a run whose bytes are sound (BadRun otherwise): it holds the whole
    lines it says, and each message's line is a JSON object that names the message's uuid."""
    blob = compressed(run)
    raw = unpack(run, blob)
    for line in run.lines:
        end = line.at + line.size
        named = raw.find(f'"{line.uuid}"'.encode(), line.at, end) >= 0
        if raw[line.at] != 0x7B or raw[end - 1] != 0x7D or not named:
            raise BadRun(f"the line of {line.uuid} is not its JSON record")
    return blob


async def store_run(pool: Pool, agent_id: str, run: HistoryRun) -> None:
    """Commit the newest run of a file's missing history (BadRun before anything is stored;
    OffsetGap when it ends below the history the hub holds; nothing when it holds it)."""
    blob = check(run)
    lines = run.lines
    args: dict[str, Any] = {
        "agent": agent_id,
        "sid": run.session_id,
        "file": run.file,
        "start": run.start_offset,
        "end": run.end_offset,
        "count": len(lines),
        "data": blob,
        "uuids": [line.uuid for line in lines],
        "parents": [line.parent_uuid for line in lines],
        "roles": [line.role for line in lines],
        "stamps": [line.timestamp for line in lines],
        "sidechains": [line.is_sidechain for line in lines],
        "threads": [line.thread_parent_uuid for line in lines],
        "ats": [line.at for line in lines],
        "sizes": [line.size for line in lines],
    }
    # One round trip: every statement is pipelined; the checks read their answer at the end
    # and roll the whole transaction back.
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
        if lines:
            await conn.execute(_INSERT, args)
        await conn.execute(_ADVANCE, args)
        row = await state.fetchone()
        if row is None:
            raise OffsetGap(0, run.start_offset)  # rolls back everything above
        if row["history_end"] is None or run.start_offset >= row["history_end"]:
            return  # held already: a resent run (nothing above matched)
        if run.end_offset < row["history_end"]:
            raise OffsetGap(int(row["history_end"]), run.end_offset)


async def fold_rows(pool: Pool, rows: list[Row]) -> None:
    """Fill in the text, tool uses and tool results of the rows whose line is in a run, folded
    from that line as the agent folds it (each run needed is read and decompressed once)."""
    wanted = sorted({r["run_id"] for r in rows if r.get("run_id") is not None})
    if not wanted:
        return
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT id, start_offset, end_offset, data FROM assistant.transcript_runs "
            "WHERE id = ANY(%s)",
            (wanted,),
        )
        found = {r["id"]: r for r in await cur.fetchall()}
    raws = {
        run_id: decompress(bytes(r["data"]), int(r["end_offset"]) - int(r["start_offset"]))
        for run_id, r in found.items()
    }
    for row in rows:
        raw = raws.get(row.get("run_id"))
        if raw is None:
            continue
        line = raw[row["run_at"] : row["run_at"] + row["run_size"]]
        thread = row["thread_parent"] if row["thread_parent"] != row["parent_uuid"] else None
        message = fold_line(line, thread)
        if message is None:
            log.warning("message %s: its stored line no longer folds", row["uuid"])
            continue
        row.update(_content(message))


def _content(message: Message) -> dict[str, Any]:
    """The stored columns a folded message fills (NUL replaced as for a folded batch)."""
    out = message.model_dump(mode="json", include={"text", "tool_uses", "tool_results"})
    if "\\u0000" in message.model_dump_json(include={"text", "tool_uses", "tool_results"}):
        return dict(_no_nul(out))
    return out


def _no_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_no_nul(item) for item in value]
    if isinstance(value, dict):
        return {key: _no_nul(item) for key, item in value.items()}
    return value
