"""History runs (issue 11): a run of a file's missing history kept as the transcript's own
bytes, zstd-compressed, with one light row per message; pages fold those lines when they show
them, with the agent's own fold (mesh_protocol.fold), so a page is the same as if the messages
had come folded.

A run is checked before anything is stored (mesh_protocol.runs.unpack: the size it says, whole
lines; each indexed line a JSON object naming its uuid) and committed as store_history commits a
`messages` batch of part "history": the same offset checks, positions and idempotence. The
rows go in with COPY (binary) into a temporary table, then into assistant.messages skipping the
uuids the session has already.
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

_LINES = """CREATE TEMP TABLE run_lines (
    ord int4, uuid text, parent_uuid text, role text, ts timestamptz, is_sidechain bool,
    thread_parent text, run_at int4, run_size int4) ON COMMIT DROP"""
_COPY = """COPY run_lines (ord, uuid, parent_uuid, role, ts, is_sidechain, thread_parent, run_at,
    run_size) FROM STDIN (FORMAT BINARY)"""
_TYPES = ["int4", "text", "text", "text", "timestamptz", "bool", "text", "int4", "int4"]
_INSERT = """INSERT INTO assistant.messages (session_id, uuid, parent_uuid, role, "timestamp",
        is_sidechain, file, thread_parent, pos, history, run_id, run_at, run_size)
    SELECT %(sid)s, l.uuid, l.parent_uuid, l.role, l.ts, l.is_sidechain, %(file)s,
           COALESCE(l.thread_parent, l.parent_uuid), %(top)s - %(count)s + l.ord, true,
           %(run)s, l.run_at, l.run_size
    FROM run_lines l ORDER BY l.ord
    ON CONFLICT (session_id, uuid) DO NOTHING"""


def check(run: HistoryRun) -> bytes:
    """The zstd frame of a run whose bytes are sound (BadRun otherwise): it holds the whole
    lines it says, and each message's line is a JSON object that names the message's uuid."""
    raw = unpack(run)
    for line in run.lines:
        end = line.at + line.size
        named = raw.find(f'"{line.uuid}"'.encode(), line.at, end) >= 0
        if raw[line.at] != 0x7B or raw[end - 1] != 0x7D or not named:
            raise BadRun(f"the line of {line.uuid} is not its JSON record")
    return compressed(run)


async def store_run(pool: Pool, agent_id: str, run: HistoryRun) -> None:
    """Commit the newest run of a file's missing history (BadRun before anything is stored;
    OffsetGap when it ends below the history the hub holds; nothing when it holds it)."""
    blob = check(run)
    args: dict[str, Any] = {
        "agent": agent_id,
        "sid": run.session_id,
        "file": run.file,
        "start": run.start_offset,
        "end": run.end_offset,
        "count": len(run.lines),
    }
    async with pool.connection() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO assistant.sessions (id, agent_id) VALUES (%(sid)s, %(agent)s) "
            "ON CONFLICT DO NOTHING",
            args,
        )
        await conn.execute("SELECT 1 FROM assistant.sessions WHERE id = %(sid)s FOR UPDATE", args)
        cur = await conn.execute(
            "SELECT history_end, history_pos FROM assistant.mesh_offsets "
            "WHERE agent_id = %(agent)s AND session_id = %(sid)s AND file = %(file)s FOR UPDATE",
            args,
        )
        row = await cur.fetchone()
        if row is None:
            raise OffsetGap(0, run.start_offset)
        if row["history_end"] is None or run.start_offset >= row["history_end"]:
            return  # held already: a resent run
        if run.end_offset < row["history_end"]:
            raise OffsetGap(int(row["history_end"]), run.end_offset)
        args["top"] = int(row["history_pos"])
        if run.lines:
            cur = await conn.execute(
                "INSERT INTO assistant.transcript_runs (session_id, file, start_offset, "
                "end_offset, data) VALUES (%(sid)s, %(file)s, %(start)s, %(end)s, %(data)s) "
                "RETURNING id",
                args | {"data": blob},
            )
            found = await cur.fetchone()
            args["run"] = found["id"] if found else None
            await conn.execute(_LINES)
            async with conn.cursor().copy(_COPY) as copy:
                copy.set_types(_TYPES)
                for ord_, line in enumerate(run.lines, 1):
                    await copy.write_row(
                        (
                            ord_,
                            line.uuid,
                            line.parent_uuid,
                            line.role,
                            line.timestamp,
                            line.is_sidechain,
                            line.thread_parent_uuid,
                            line.at,
                            line.size,
                        )
                    )
            await conn.execute(_INSERT, args)
        await conn.execute(
            """UPDATE assistant.mesh_offsets
               SET history_end = NULLIF(%(start)s, 0),
                   history_pos = CASE WHEN %(start)s = 0 THEN NULL
                                      ELSE history_pos - %(count)s END,
                   updated_at = now()
               WHERE agent_id = %(agent)s AND session_id = %(sid)s AND file = %(file)s""",
            args,
        )


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
