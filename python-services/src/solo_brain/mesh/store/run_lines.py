"""The messages of history runs in pages: their text, tool uses and tool results folded from
their stored lines with the agent's own fold (mesh_protocol.fold), so a page is the same as if
the messages had come folded (history_runs.py stores them).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from mesh_protocol import Message
from mesh_protocol.fold import fold_line
from mesh_protocol.runs import decompress
from solo_brain.mesh.store import Pool, Row

log = logging.getLogger(__name__)


async def fold_rows(pool: Pool, rows: list[Row]) -> None:
    """Fill in the text, tool uses and tool results of the rows whose line is in a run, folded
    from that line as the agent folds it (each run needed is read and decompressed once, one
    at a time: a page holds one decompressed run at most)."""
    by_run: dict[int, list[Row]] = {}
    for row in rows:
        if row.get("run_id") is not None:
            by_run.setdefault(row["run_id"], []).append(row)
    if not by_run:
        return
    async with pool.connection() as conn:
        for run_id, held in by_run.items():
            cur = await conn.execute(
                "SELECT start_offset, end_offset, data FROM assistant.transcript_runs "
                "WHERE id = %s",
                (run_id,),
            )
            run = await cur.fetchone()
            if run is not None:
                size = int(run["end_offset"]) - int(run["start_offset"])
                await asyncio.to_thread(_fold, held, bytes(run["data"]), size)


def _fold(rows: list[Row], blob: bytes, size: int) -> None:
    """Fill in the rows whose lines are in the run of `size` bytes compressed in `blob`."""
    raw = decompress(blob, size)
    for row in rows:
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
        return dict(no_nul(out))
    return out


def no_nul(value: Any) -> Any:
    """`value` (JSON data) with every NUL character of its strings replaced by U+FFFD (Postgres
    refuses NUL in text and jsonb)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [no_nul(item) for item in value]
    if isinstance(value, dict):
        return {key: no_nul(item) for key, item in value.items()}
    return value
